/**
 * `Vary` with `names` added to what the app or another middleware put there, or `undefined` when
 * nothing is missing. Adding instead of replacing matters: a shared cache keys its entries on every
 * listed header, and a lost `Origin` would let it serve one origin's answer to another (Fetch
 * standard, "CORS protocol and HTTP caches").
 */
export function mergeVary(current: number | string | readonly string[] | undefined, names: string): string | undefined {
  if (current === undefined || current === '') return names;
  const existing = Array.isArray(current) ? current.join(', ') : String(current);
  if (existing === names) return undefined;
  if (existing.trim() === '*') return undefined;
  const present = new Set(existing.split(',').map((name) => name.trim().toLowerCase()));
  const missing = names.split(',').map((name) => name.trim()).filter((name) => !present.has(name.toLowerCase()));
  return missing.length > 0 ? `${existing}, ${missing.join(', ')}` : undefined;
}
