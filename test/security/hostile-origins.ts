import fc from 'fast-check';

/** The seed of every property test; `FC_SEED=… npm test` replays another run. fast-check prints it on failure. */
export const SEED = Number(process.env.FC_SEED ?? 20261125);
/** Generated cases per property. */
export const RUNS = Number(process.env.FC_RUNS ?? 10_000);

export const SCHEMES = ['https', 'http'];
const LABEL = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,8}[a-z0-9])?$/);
/** A DNS name whose last label is alphabetic, as a top-level domain is (a numeric one would be read as IPv4). */
export const HOST = fc
  .tuple(fc.array(LABEL, { minLength: 1, maxLength: 3 }), fc.stringMatching(/^[a-z]{2,5}$/))
  .map(([labels, tld]) => [...labels, tld].join('.'));
export const PORT = fc.oneof(fc.constant(''), fc.integer({ min: 1, max: 65535 }).map((port) => `:${port}`));
export const ORIGIN = fc.tuple(fc.constantFrom(...SCHEMES), HOST, PORT).map(([scheme, host, port]) => `${scheme}://${host}${port}`);

/**
 * Turns an origin into the hostile variants real attacks and sloppy clients produce. With `headerSafe`,
 * only values a Node.js client can put in a header (Latin-1, no control characters).
 */
export function hostileVariant(origin: fc.Arbitrary<string>, headerSafe = false): fc.Arbitrary<string> {
  const lookalikes = headerSafe ? ['0', '1', 'l'] : ['а', 'е', 'о', 'ı', 'ℓ'];
  return fc.tuple(origin, fc.nat(), fc.integer({ min: 0, max: 15 }), ORIGIN).map(([value, position, kind, other]) => {
    const at = value.indexOf('://') + 3 + (position % Math.max(1, value.length - value.indexOf('://') - 3));
    switch (kind) {
      case 0: return value; // unchanged
      case 1: return value.toUpperCase();
      case 2: return value.slice(0, at) + value.charAt(at).toUpperCase() + value.slice(at + 1);
      case 3: return `${value}:443`;
      case 4: return `${value}/`;
      case 5: return `${value}.`;
      case 6: return value.replace('://', '://user:pass@');
      case 7: return value.replace('://', `://${other.split('://')[1]}@`);
      case 8: return ` ${value}`;
      case 9: return `${value}, ${other}`;
      case 10: return `${value}.${other.split('://')[1]}`; // suffix attack
      case 11: return value.replace('://', '://evil-'); // prefix look-alike
      case 12: return value.slice(0, at) + lookalikes[position % lookalikes.length] + value.slice(at + 1);
      case 13: return `${value}${'a'.repeat(3000)}`; // very long
      case 14: return 'null';
      default: return other;
    }
  });
}

/**
 * An oracle written apart from the matcher: an origin is allowed when it is a browser-serialised origin
 * (what `new URL(origin).origin` gives back unchanged) that equals a listed origin, or whose host is a
 * proper subdomain of a pattern's domain with the same scheme and port.
 */
export function oracle(origin: string, exact: readonly string[], patterns: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin) return false;
  if (exact.some((listed) => new URL(listed).origin === origin)) return true;
  return patterns.some((pattern) => {
    const base = new URL(pattern.replace('*.', ''));
    const suffix = `.${base.hostname}`;
    return (
      url.protocol === base.protocol &&
      url.port === base.port &&
      url.hostname.endsWith(suffix) &&
      url.hostname.length > suffix.length &&
      /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/.test(url.hostname.slice(0, -suffix.length))
    );
  });
}
