/**
 * A policy that cannot work or is unsafe. Thrown while the app starts (`app.init()`), never while it
 * serves: the message names where the policy was declared, quotes the bad value and says what to write.
 */
export class CorsConfigurationError extends Error {
  constructor(
    /** `global`, a controller (`ReportsController`) or a handler (`ReportsController.create`). */
    readonly source: string,
    readonly option: string,
    readonly value: unknown,
    readonly problem: string,
    readonly fix: string,
  ) {
    super(`${source}: ${option} ${describeValue(value)} ${problem}: ${fix}`);
    this.name = 'CorsConfigurationError';
  }
}

export function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (value instanceof RegExp) return String(value);
  if (typeof value === 'function') return 'function';
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  return String(value);
}
