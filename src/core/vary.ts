/** What the protocol needs of a response object: Node's `ServerResponse` has all of it. */
export interface HeaderSink {
  getHeader(name: string): number | string | string[] | undefined;
  setHeader(name: string, value: string): unknown;
  removeHeader(name: string): void;
}

/**
 * Adds names to `Vary` without dropping what the app or another middleware put there: a shared cache
 * keys its entries on every listed header, and replacing the value would let it serve one origin's
 * answer to another (Fetch standard, "CORS protocol and HTTP caches").
 */
export function appendVary(response: HeaderSink, names: string): void {
  const current = response.getHeader('Vary');
  if (current === undefined || current === '') {
    response.setHeader('Vary', names);
    return;
  }
  const existing = String(current);
  if (existing.trim() === '*') return;
  const present = new Set(existing.split(',').map((name) => name.trim().toLowerCase()));
  const missing = names.split(',').map((name) => name.trim()).filter((name) => !present.has(name.toLowerCase()));
  if (missing.length > 0) response.setHeader('Vary', `${existing}, ${missing.join(', ')}`);
}
