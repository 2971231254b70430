import { CorsConfigurationError, describeValue } from './errors.js';
import type { CorsOriginFunction, CorsOriginOption } from './policy-options.js';
import { splitList } from './tokens.js';

/**
 * Longer `Origin` values are refused before any pattern or function sees them: a serialised origin is
 * a scheme, a host of at most 253 characters and a port.
 */
export const MAX_ORIGIN_LENGTH = 2048;

export type OriginVerdict = boolean | Promise<boolean>;

export interface OriginMatcher {
  /** `'*'`: every origin, answered with `Access-Control-Allow-Origin: *`. */
  readonly any: boolean;
  /** No origin at all (`false`, an empty list). */
  readonly none: boolean;
  /** What the configuration allows, for reports: exact origins, patterns, RegExps, `function`. */
  readonly allowed: readonly string[];
  match(origin: string, request: unknown): OriginVerdict;
}

/** A `https://*.example.com` pattern, matched by comparing strings: no RegExp is built from user text. */
interface SubdomainPattern {
  readonly prefix: string; // 'https://'
  readonly suffix: string; // '.example.com' or '.example.com:8443'
}

/** How an `origin` function is run: fail closed on errors and slowness, optionally remember answers. */
export interface OriginFunctionOptions {
  readonly timeout: number;
  readonly cache?: { readonly size: number; readonly ttl: number };
  /** Told about every error, rejection, non-boolean answer and timeout; the origin is refused then. */
  readonly onError?: (error: unknown, origin: string) => void;
}

const DEFAULT_FUNCTION_OPTIONS: OriginFunctionOptions = { timeout: 1000 };

export function compileOrigin(
  option: CorsOriginOption | undefined,
  source: string,
  functionOptions: OriginFunctionOptions = DEFAULT_FUNCTION_OPTIONS,
): OriginMatcher {
  if (option === undefined || option === false) return NO_ORIGIN;
  if (option === (true as unknown)) {
    throw new CorsConfigurationError(
      source,
      'origin',
      true,
      'reflects every origin, which with credentials hands any site the user\'s session',
      "write '*' for a public resource without credentials, or list the origins",
    );
  }
  if (typeof option === 'function') return functionMatcher(option as CorsOriginFunction, source, functionOptions);

  const items = originItems(option, source);
  if (items.length === 0) return NO_ORIGIN;
  if (items.some((item) => item === '*')) {
    if (items.length > 1) {
      throw new CorsConfigurationError(source, 'origin', option, "lists '*' beside other origins", "write either '*' or the list of origins");
    }
    return ANY_ORIGIN;
  }

  const exact = new Set<string>();
  const patterns: SubdomainPattern[] = [];
  const regExps: RegExp[] = [];
  for (const item of items) {
    if (item instanceof RegExp) {
      assertSafeRegExp(item, source);
      regExps.push(item);
    } else if (item === 'null') exact.add('null');
    else if (item.includes('*')) patterns.push(parsePattern(item, source));
    else exact.add(normaliseOrigin(item, source));
  }

  // Hashing a fresh header string is most of a lookup's cost: skip it where there is nothing to look up.
  const hasExact = exact.size > 0;
  const allowed = [
    ...exact,
    ...patterns.map((pattern) => `${pattern.prefix}*${pattern.suffix}`),
    ...regExps.map(String),
  ];
  return {
    any: false,
    none: false,
    allowed,
    match(origin: string): boolean {
      if (origin.length > MAX_ORIGIN_LENGTH) return false;
      if (hasExact && exact.has(origin)) return true;
      // 'null' is the origin of sandboxed frames, file: pages and some redirects: only an explicit
      // 'null' in the list allows it, never a pattern.
      if (origin === 'null') return false;
      for (const pattern of patterns) if (matchesPattern(pattern, origin)) return true;
      for (const regExp of regExps) if (regExp.test(origin)) return true;
      return false;
    },
  };
}

/**
 * The items of an `origin` list, strings trimmed: one string (comma-separated, where an empty item is
 * skipped, as `.env` lists often end with a comma), a RegExp, or an array of strings and RegExps (where
 * an empty string is a stray item or an unset variable, and refused). Anything else is refused here.
 */
function originItems(option: unknown, source: string): Array<string | RegExp> {
  if (typeof option === 'string') return splitList(option);
  if (option instanceof RegExp) return [option];
  if (!Array.isArray(option)) {
    throw new CorsConfigurationError(
      source,
      'origin',
      option,
      'is not an origin, a list of origins or a function',
      "write an origin ('https://app.example.com'), a list of them, '*', a RegExp, false for none, or a function",
    );
  }
  const items: Array<string | RegExp> = [];
  for (const item of option) {
    if (item instanceof RegExp) {
      items.push(item);
    } else if (typeof item === 'string') {
      if (item.trim() === '') {
        const rest = option.filter((other) => typeof other !== 'string' || other.trim() !== '');
        throw new CorsConfigurationError(
          source,
          'origin',
          option,
          'lists an empty origin',
          rest.length > 0 ? `remove it: write origin: ${describeValue(rest)}` : 'write the origins, or origin: false for none',
        );
      }
      items.push(item.trim());
    } else {
      throw new CorsConfigurationError(
        source,
        'origin',
        option,
        `lists ${describeValue(item)}, which is neither a string nor a RegExp`,
        'list strings and RegExps; pass a single function on its own',
      );
    }
  }
  return items;
}

const NO_ORIGIN: OriginMatcher = { any: false, none: true, allowed: [], match: () => false };
const ANY_ORIGIN: OriginMatcher = { any: true, none: false, allowed: ['*'], match: () => true };

function functionMatcher(decide: CorsOriginFunction, source: string, options: OriginFunctionOptions): OriginMatcher {
  const { timeout, cache, onError = () => {} } = options;
  if (!Number.isInteger(timeout) || timeout <= 0) {
    throw new CorsConfigurationError(source, 'originTimeout', timeout, 'is not a positive whole number of milliseconds', 'write e.g. originTimeout: 1000');
  }
  if (cache !== undefined && (!Number.isInteger(cache.size) || cache.size <= 0 || !Number.isInteger(cache.ttl) || cache.ttl <= 0)) {
    throw new CorsConfigurationError(source, 'originCache', cache, 'needs a positive whole size and ttl (milliseconds)', 'write e.g. originCache: { size: 1000, ttl: 60000 }');
  }
  const remembered = new Map<string, { allowed: boolean; until: number }>();
  const remember = (origin: string, allowed: boolean): boolean => {
    if (cache === undefined) return allowed;
    remembered.delete(origin);
    if (remembered.size >= cache.size) remembered.delete(remembered.keys().next().value as string);
    remembered.set(origin, { allowed, until: Date.now() + cache.ttl });
    return allowed;
  };
  const refuse = (error: unknown, origin: string): false => {
    onError(error, origin);
    return false;
  };
  const answer = (verdict: unknown, origin: string): boolean =>
    typeof verdict === 'boolean' ? remember(origin, verdict) : refuse(new TypeError(`returned ${typeof verdict}, not a boolean`), origin);

  return {
    any: false,
    none: false,
    allowed: ['function'],
    match(origin: string, request: unknown): OriginVerdict {
      if (origin.length > MAX_ORIGIN_LENGTH || origin === 'null') return false;
      if (cache !== undefined) {
        const known = remembered.get(origin);
        if (known !== undefined && known.until > Date.now()) return known.allowed;
      }
      // Fail closed: an error, a rejection, a non-boolean answer or a timeout refuses the origin, and
      // the request goes on without CORS headers. Failures are not remembered: they may be transient.
      let verdict: unknown;
      try {
        verdict = decide(origin, request);
      } catch (error) {
        return refuse(error, origin);
      }
      if (!(verdict instanceof Promise) && typeof (verdict as PromiseLike<unknown> | undefined)?.then !== 'function') {
        return answer(verdict, origin);
      }
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(refuse(new Error(`no answer within ${timeout} ms`), origin)), timeout);
        timer.unref?.();
        Promise.resolve(verdict).then(
          (value) => {
            clearTimeout(timer);
            resolve(answer(value, origin));
          },
          (error) => {
            clearTimeout(timer);
            resolve(refuse(error, origin));
          },
        );
      });
    },
  };
}

const ORIGIN_SHAPE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#\\]*)(.*)$/s;
/** `host:port`, `[v6]:port`: the port, when there is one. */
const PORT = /^(?:\[[^\]]*\]|[^:[\]]*)(?::(.*))?$/s;

const EXACT_FORM = "write scheme://host[:port], e.g. 'https://app.example.com'";

/**
 * Returns the origin as a browser serialises it in `Origin` (Fetch standard, "serialization of an
 * origin"): lower-case scheme and host, IDNs in punycode, no default port. What can never equal such a
 * value is refused, with the form to write instead.
 */
export function normaliseOrigin(value: string, source: string): string {
  return normalise(value, source, value, EXACT_FORM);
}

/** `written` is what the error quotes: the user's own text, also when `value` was derived from it. */
function normalise(value: string, source: string, written: string, form: string): string {
  const { scheme, authority } = splitOrigin(value, source, written);
  if (authority.includes('*')) {
    throw new CorsConfigurationError(source, 'origin', written, 'is not an origin', "write an exact origin or a 'scheme://*.domain' pattern");
  }
  if (scheme !== 'http' && scheme !== 'https') return `${scheme}://${authority.toLowerCase()}`;
  const port = PORT.exec(authority)?.[1];
  if (port !== undefined && !/^\d*$/.test(port)) {
    const first = /\d+/.exec(port)?.[0];
    const one = first === undefined ? form : `write one origin per port, e.g. '${written.slice(0, written.length - port.length)}${first}'`;
    throw new CorsConfigurationError(source, 'origin', written, 'has a port that is not a number', one);
  }
  let url: URL;
  try {
    url = new URL(`${scheme}://${authority}`);
  } catch {
    throw new CorsConfigurationError(source, 'origin', written, 'has a host that is not valid', form);
  }
  return url.origin;
}

function splitOrigin(value: string, source: string, written = value): { scheme: string; authority: string } {
  const shape = ORIGIN_SHAPE.exec(value);
  if (!shape || /\s/.test(value)) {
    throw new CorsConfigurationError(source, 'origin', written, 'is not an origin', EXACT_FORM);
  }
  const scheme = shape[1].toLowerCase();
  const authority = shape[2];
  const rest = shape[3];
  if (authority === '') {
    throw new CorsConfigurationError(source, 'origin', written, 'has no host', EXACT_FORM);
  }
  if (rest !== '') {
    const problem = rest === '/' ? 'ends with a slash, which an Origin header never has' : 'has a path, query or fragment, which an Origin header never has';
    throw new CorsConfigurationError(source, 'origin', written, problem, `write '${scheme}://${authority}'`);
  }
  if (authority.includes('@')) {
    const host = authority.slice(authority.lastIndexOf('@') + 1);
    throw new CorsConfigurationError(source, 'origin', written, 'has user info, which an Origin header never has', `write '${scheme}://${host}'`);
  }
  return { scheme, authority };
}

function parsePattern(value: string, source: string): SubdomainPattern {
  const { scheme, authority } = splitOrigin(value, source);
  const example = `'${scheme}://*.example.com'`;
  if (!authority.startsWith('*.') || authority.indexOf('*', 1) !== -1) {
    throw new CorsConfigurationError(source, 'origin', value, "has a '*' where only a leading '*.' subdomain wildcard is supported", `write ${example}`);
  }
  // The domain is checked as an origin of its own, but errors quote the pattern the user wrote.
  const base = normalise(`${scheme}://${authority.slice(2)}`, source, value, `write scheme://*.domain[:port], e.g. ${example}`).slice(scheme.length + 3);
  const host = base.startsWith('[') ? base : base.replace(/:\d+$/, '');
  if (!host.includes('.') && host !== 'localhost') {
    throw new CorsConfigurationError(source, 'origin', value, 'matches every site under a top-level domain', `name the domain: ${example}`);
  }
  return { prefix: `${scheme}://`, suffix: `.${base}` };
}

/**
 * One or more DNS labels before the pattern's domain: `a.example.com` and `a.b.example.com`, never
 * `example.com` itself, `evil-example.com` (the suffix starts with a dot) nor anything with a port,
 * path or user info (those characters are not label characters). Linear in the origin's length.
 */
export function matchesPattern(pattern: SubdomainPattern, origin: string): boolean {
  const end = origin.length - pattern.suffix.length;
  if (end <= pattern.prefix.length || !origin.startsWith(pattern.prefix) || !origin.endsWith(pattern.suffix)) {
    return false;
  }
  let labelLength = 0;
  for (let i = pattern.prefix.length; i < end; i++) {
    const code = origin.charCodeAt(i);
    if (code === 46 /* . */) {
      if (labelLength === 0) return false;
      labelLength = 0;
    } else if (isLabelCharacter(code)) {
      labelLength++;
    } else {
      return false;
    }
  }
  return labelLength > 0;
}

function isLabelCharacter(code: number): boolean {
  return (
    (code >= 97 && code <= 122) || // a-z
    (code >= 48 && code <= 57) || // 0-9
    code === 45 || // -
    code === 95 // _
  );
}

/**
 * A RegExp must be anchored at both ends with no top-level alternation: `/example\.com/` also matches
 * `https://example.com.evil.net`, and `/^https:\/\/a\.com|b\.com$/` matches anything ending in `b.com`.
 * `g` and `y` make `test()` stateful, so the same origin would be allowed and refused in turn.
 */
export function assertSafeRegExp(regExp: RegExp, source: string): void {
  const problem = regExpProblem(regExp);
  if (problem === undefined) return;
  const suggestion = suggestOriginRegExp(regExp);
  throw new CorsConfigurationError(
    source,
    'origin',
    regExp,
    problem,
    suggestion === undefined ? `anchor it and start it with the scheme, e.g. /^https:\\/\\/${SUBDOMAINS}example\\.com$/` : `write ${suggestion}`,
  );
}

function regExpProblem(regExp: RegExp): string | undefined {
  if (regExp.global || regExp.sticky) return "has the 'g' or 'y' flag, which makes test() remember its last match";
  const body = regExp.source;
  const unanchored = !body.startsWith('^') || !body.endsWith('$') || isEscaped(body, body.length - 1);
  if (unanchored || hasTopLevelAlternation(body)) {
    const schemeless = topLevelAlternatives(body).some((alternative) => !SCHEME.test(alternative));
    return (
      (unanchored
        ? 'is not anchored, so it also matches origins that merely contain a match (https://example.com.evil.net)'
        : "is not anchored: '^' and '$' hold only for the first and the last side of its top-level '|', so it also matches origins that merely start or end with a match") +
      (schemeless ? ', and names no scheme, which every Origin starts with' : '')
    );
  }
  if (unescapedDotsBetweenLetters(body).length > 0) {
    return "has an unescaped '.' inside a name, which matches any character (https://wwwxexample.com)";
  }
  return undefined;
}

/** A scheme in a RegExp source: `https:\/\/`, `https?://`, `[a-z]+:\/\/`. */
const SCHEME = /:\\?\//;
/** Any number of DNS labels before a domain, in a suggestion: `example.com`, `www.example.com`. */
const SUBDOMAINS = '(?:[a-z0-9-]+\\.)*';

/**
 * What to write instead of a refused RegExp, or `undefined` when none can be built. It means what the
 * user evidently meant and is accepted itself: no `g`/`y`; each top-level alternative anchored at both
 * ends, without a leading or trailing `.*` (what an unanchored end means, and what lets
 * `https://example.com.evil.net` through); an alternative without a scheme gets `https://` and any
 * subdomains before it, as `/example\.com/` can only mean `https://example.com` and its subdomains (an
 * `Origin` always starts with its scheme), and `/\.example\.com/` its subdomains only; dots between
 * letters escaped.
 */
function suggestOriginRegExp(regExp: RegExp): RegExp | undefined {
  const flags = regExp.flags.replace(/[gy]/g, '');
  // With the `v` flag a `-` in a class must be escaped.
  const subdomains = flags.includes('v') ? SUBDOMAINS.replace('-]', '\\-]') : SUBDOMAINS;
  const alternatives = topLevelAlternatives(regExp.source).map((alternative) => {
    let body = alternative.startsWith('^') ? alternative.slice(1) : alternative;
    if (body.startsWith('.*')) body = body.slice(2);
    if (body.endsWith('$') && !isEscaped(body, body.length - 1)) body = body.slice(0, -1);
    if (body.endsWith('.*') && !isEscaped(body, body.length - 2)) body = body.slice(0, -2);
    if (SCHEME.test(body)) return body;
    if (body.startsWith('\\.')) return `https:\\/\\/${subdomains.slice(0, -1)}+${body.slice(2)}`;
    return `https:\\/\\/${subdomains}${body}`;
  });
  let fixed = alternatives.length > 1 ? `^(?:${alternatives.join('|')})$` : `^${alternatives[0]}$`;
  for (const index of unescapedDotsBetweenLetters(fixed).reverse()) fixed = `${fixed.slice(0, index)}\\${fixed.slice(index)}`;
  try {
    const suggestion = new RegExp(fixed, flags);
    return regExpProblem(suggestion) === undefined ? suggestion : undefined;
  } catch {
    return undefined;
  }
}

/** The sides of a RegExp source's top-level `|`: one side when there is none. */
function topLevelAlternatives(body: string): string[] {
  const sides: string[] = [];
  let start = 0;
  for (const { char, index, depth } of syntaxCharacters(body)) {
    if (char === '|' && depth === 0) {
      sides.push(body.slice(start, index));
      start = index + 1;
    }
  }
  sides.push(body.slice(start));
  return sides;
}

/**
 * The characters of a RegExp source that are syntax: not escaped, not inside a `[...]` class, each with
 * the depth of the groups around it.
 */
function* syntaxCharacters(body: string): Generator<{ char: string; index: number; depth: number }> {
  let depth = 0;
  let inClass = false;
  for (let index = 0; index < body.length; index++) {
    const char = body[index];
    if (char === '\\') {
      index++;
    } else if (inClass) {
      if (char === ']') inClass = false;
    } else if (char === '[') {
      inClass = true;
    } else {
      if (char === ')') depth--;
      yield { char, index, depth };
      if (char === '(') depth++;
    }
  }
}

/** Positions of a syntax `.` with a letter or digit on both sides: most likely meant as a literal dot. */
function unescapedDotsBetweenLetters(body: string): number[] {
  const positions: number[] = [];
  for (const { char, index } of syntaxCharacters(body)) {
    if (char === '.' && /[A-Za-z0-9]/.test(body[index - 1] ?? '') && /[A-Za-z0-9]/.test(body[index + 1] ?? '')) {
      positions.push(index);
    }
  }
  return positions;
}

function hasTopLevelAlternation(body: string): boolean {
  for (const { char, depth } of syntaxCharacters(body)) if (char === '|' && depth === 0) return true;
  return false;
}

function isEscaped(text: string, index: number): boolean {
  let backslashes = 0;
  for (let i = index - 1; i >= 0 && text[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 1;
}
