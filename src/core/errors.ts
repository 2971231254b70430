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

/**
 * A value as it was written in the configuration, close to JavaScript syntax: `'https://a.com'`,
 * `/^https:\/\/a\.com$/`, `['GET', 5]`, `{ size: 0, ttl: 1 }`, `600`, `null`. Never throws, whatever the
 * value (a class instance, an object without a prototype, a list that contains itself).
 */
export function describeValue(value: unknown, depth = 0): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return 'function';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object' || value === null) return String(value);
  if (value instanceof RegExp) return String(value);
  if (depth > 2) return Array.isArray(value) ? '[…]' : '{…}';
  if (Array.isArray(value)) return `[${value.map((item) => describeValue(item, depth + 1)).join(', ')}]`;
  try {
    const prototype = Object.getPrototypeOf(value);
    const name = prototype === Object.prototype || prototype === null ? '' : `${prototype.constructor?.name ?? 'object'} `;
    const entries = Object.entries(value).map(([key, item]) => `${key}: ${describeValue(item, depth + 1)}`);
    return entries.length === 0 ? `${name}{}` : `${name}{ ${entries.join(', ')} }`;
  } catch {
    return 'object'; // a getter or a proxy that throws: the option's name still says where
  }
}
