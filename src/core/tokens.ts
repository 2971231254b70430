import { CorsConfigurationError, describeValue } from './errors.js';

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

/** How the errors about one list option name its items. */
export interface NameList {
  /** `methods`, `allowedHeaders`, `exposedHeaders`. */
  readonly option: string;
  /** `method names`, `header names`. */
  readonly noun: string;
  /** A list to copy: `['GET', 'POST']`. */
  readonly example: string;
}

/**
 * The names of a list option, trimmed, in the order written: an array of strings, or one comma-separated
 * string. In a string an empty item is skipped, as `'GET,POST,'` is how lists often end up in a `.env`
 * file; in an array it is refused, as `''` there is a stray item or an unset variable, not a name.
 */
export function readNames(value: unknown, list: NameList, source: string): string[] {
  if (typeof value === 'string') return splitList(value);
  const { option, noun, example } = list;
  if (!Array.isArray(value)) {
    const none = value === null ? `write ${option}: [] for none, or ` : 'write ';
    throw new CorsConfigurationError(source, option, value, 'is not a list', `${none}an array of ${noun}, e.g. ${option}: ${example}, or one comma-separated string`);
  }
  const names: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string') {
      throw new CorsConfigurationError(source, option, value, `lists ${describeValue(item)}, which is not a string`, `write ${noun} as strings, e.g. ${option}: ${example}`);
    }
    const name = item.trim();
    if (name === '') {
      const rest = value.filter((other) => typeof other !== 'string' || other.trim() !== '');
      throw new CorsConfigurationError(
        source,
        option,
        value,
        'lists an empty name',
        rest.length > 0 ? `remove it: write ${option}: ${describeValue(rest)}` : `write the ${noun}, e.g. ${option}: ${example}`,
      );
    }
    names.push(name);
  }
  return names;
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
