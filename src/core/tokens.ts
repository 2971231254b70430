/** HTTP `token` (RFC 9110 §5.6.2): what a method or a header name may consist of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function isToken(value: string): boolean {
  return TOKEN.test(value);
}

/** A list option: an array, or one comma-separated string (as read from an environment variable). */
export function splitList(value: string | readonly string[]): string[] {
  const items = typeof value === 'string' ? value.split(',') : value;
  return items.map((item) => (typeof item === 'string' ? item.trim() : item)).filter((item) => item !== '');
}

/**
 * Parses `Access-Control-Request-Headers`: lower-case names, as the Fetch standard sends them.
 * Returns `undefined` when a name is not a token, which refuses the preflight.
 */
export function parseRequestedHeaders(value: string): string[] | undefined {
  const names: string[] = [];
  for (const part of value.split(',')) {
    const name = part.trim().toLowerCase();
    if (name === '') continue;
    if (!TOKEN.test(name)) return undefined;
    names.push(name);
  }
  return names;
}
