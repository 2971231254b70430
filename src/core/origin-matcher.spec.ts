import { CorsConfigurationError } from './errors.js';
import { compileOrigin, MAX_ORIGIN_LENGTH, normaliseOrigin } from './origin-matcher.js';
import type { CorsOriginOption } from './policy-options.js';

const allows = (option: CorsOriginOption, origin: string) => compileOrigin(option, 'global').match(origin, {});

describe('origin matching', () => {
  it.each<[string, CorsOriginOption, string, boolean]>([
    ['an exact origin', 'https://app.example.com', 'https://app.example.com', true],
    ['refuses another scheme', 'https://app.example.com', 'http://app.example.com', false],
    ['refuses another port', 'https://app.example.com', 'https://app.example.com:8443', false],
    ['refuses a prefix look-alike', 'https://app.example.com', 'https://app.example.com.evil.net', false],
    ['refuses a case variant (browsers serialise in lower case)', 'https://app.example.com', 'https://APP.example.com', false],
    ['a comma-separated list: second item', 'https://a.com, https://b.com', 'https://b.com', true],
    ['an array', ['https://a.com', 'https://b.com'], 'https://a.com', true],
    ['a subdomain pattern: one label', 'https://*.example.com', 'https://a.example.com', true],
    ['a subdomain pattern: two labels', 'https://*.example.com', 'https://a.b.example.com', true],
    ['a subdomain pattern never matches the domain itself', 'https://*.example.com', 'https://example.com', false],
    ['a subdomain pattern refuses a look-alike', 'https://*.example.com', 'https://evil-example.com', false],
    ['a subdomain pattern refuses an empty label', 'https://*.example.com', 'https://a..example.com', false],
    ['a subdomain pattern refuses user info', 'https://*.example.com', 'https://evil.com@a.example.com', false],
    ['a subdomain pattern refuses another scheme', 'https://*.example.com', 'http://a.example.com', false],
    ['a subdomain pattern with a port', 'http://*.localhost:5173', 'http://a.localhost:5173', true],
    ['an anchored RegExp', /^https:\/\/[a-z]+\.example\.org$/, 'https://shop.example.org', true],
    ['an anchored RegExp refuses a suffix attack', /^https:\/\/[a-z]+\.example\.org$/, 'https://shop.example.org.evil.net', false],
    ["'*' allows any origin", '*', 'https://anything.example', true],
    ['null is refused unless listed', ['https://a.com'], 'null', false],
    ['null is allowed when listed', ['null'], 'null', true],
    ['a pattern never allows null', /^.*$/, 'null', false],
    ['false allows nothing', false, 'https://a.com', false],
    ['an empty list allows nothing', [], 'https://a.com', false],
  ])('%s', (_rule, option, origin, expected) => {
    expect(allows(option, origin)).toBe(expected);
  });

  it('refuses an over-long Origin before any pattern runs', () => {
    let calls = 0;
    const regExp = /^https:\/\/a+\.com$/;
    const spy = new Proxy(regExp, { get: (target, key) => (key === 'test' ? (value: string) => (calls++, target.test(value)) : Reflect.get(target, key)) });
    const matcher = compileOrigin([spy as RegExp], 'global');
    expect(matcher.match(`https://${'a'.repeat(MAX_ORIGIN_LENGTH)}.com`, {})).toBe(false);
    expect(calls).toBe(0);
  });

  describe('a function', () => {
    it('decides, synchronously or asynchronously', async () => {
      expect(allows((origin) => origin.endsWith('.trusted.example'), 'https://a.trusted.example')).toBe(true);
      await expect(allows(async () => true, 'https://a.com')).resolves.toBe(true);
    });

    it.each<[string, CorsOriginOption]>([
      ['throws', () => { throw new Error('database down'); }],
      ['rejects', () => Promise.reject(new Error('database down'))],
      ['returns something else than a boolean', (() => 'yes') as never],
    ])('fails closed when it %s', async (_case, option) => {
      expect(await allows(option, 'https://a.com')).toBe(false);
    });

    it('is never asked about null', () => {
      expect(allows(() => true, 'null')).toBe(false);
    });
  });

  describe('normalisation of configured origins', () => {
    it.each([
      ['HTTPS://App.Example.COM', 'https://app.example.com'],
      ['https://app.example.com:443', 'https://app.example.com'],
      ['http://localhost:80', 'http://localhost'],
      ['http://localhost:5173', 'http://localhost:5173'],
      ['https://bücher.example', 'https://xn--bcher-kva.example'],
      ['http://[::1]:3000', 'http://[::1]:3000'],
    ])('%s is matched as %s', (configured, serialised) => {
      expect(normaliseOrigin(configured, 'global')).toBe(serialised);
      expect(allows(configured, serialised)).toBe(true);
    });
  });
});

/** The error `compileOrigin` throws for `option`. */
function refusalOf(option: unknown): CorsConfigurationError {
  try {
    compileOrigin(option as CorsOriginOption, 'global');
  } catch (error) {
    if (error instanceof CorsConfigurationError) return error;
    throw error;
  }
  throw new Error('the origin compiled, but a CorsConfigurationError was expected');
}

describe('a configuration error quotes the origin as written', () => {
  it.each<[string, unknown, RegExp]>([
    [
      'a pattern with a list of ports',
      ['https://*.specific.port.com:[8080,8081]'],
      /^global: origin 'https:\/\/\*\.specific\.port\.com:\[8080,8081\]' has a port that is not a number: write one origin per port, e.g. 'https:\/\/\*\.specific\.port\.com:8080'$/,
    ],
    ['the same pattern in a comma-separated string, cut at the comma', 'https://*.specific.port.com:[8080,8081]', /^global: origin 'https:\/\/\*\.specific\.port\.com:\[8080' has a port/],
    ['an exact origin with a list of ports', ['https://app.com:[8080,8081]'], /origin 'https:\/\/app\.com:\[8080,8081\]' has a port that is not a number: write one origin per port, e.g. 'https:\/\/app\.com:8080'/],
    ['a pattern whose domain is not a valid host', ['https://*.ex%ample.com'], /^global: origin 'https:\/\/\*\.ex%ample\.com' has a host that is not valid: write scheme:\/\/\*\.domain\[:port\], e.g. 'https:\/\/\*\.example\.com'/],
    ['an exact origin that is not a valid host', 'https://ex%ample.com', /origin 'https:\/\/ex%ample\.com' has a host that is not valid: write scheme:\/\/host\[:port\]/],
    ['a pattern with a trailing slash', 'https://*.example.com/', /origin 'https:\/\/\*\.example\.com\/' ends with a slash.*write 'https:\/\/\*\.example\.com'/],
    ['an origin in a list of two', 'https://a.com, https://b.com/', /^global: origin 'https:\/\/b\.com\/' ends with a slash/],
  ])('%s', (_case, option, message) => {
    expect(refusalOf(option).message).toMatch(message);
  });

  it('accepts an IPv6 origin with and without a port', () => {
    expect(allows('http://[::1]', 'http://[::1]')).toBe(true);
    expect(allows('http://[::1]:3000', 'http://[::1]:3000')).toBe(true);
  });
});

describe('a refused RegExp comes with a fix that is accepted and means what was evidently meant', () => {
  /** The RegExp after "write" at the end of the message, as a user would copy it. */
  function suggestionFor(regExp: RegExp): RegExp {
    const written = /: write \/(.*)\/([a-z]*)$/s.exec(refusalOf(regExp).message);
    if (written === null) throw new Error(`no RegExp to write in: ${refusalOf(regExp).message}`);
    return new RegExp(written[1], written[2]);
  }

  it.each<[string, RegExp, string, string[], string[]]>([
    [
      'unanchored, without a scheme: https and any subdomain',
      /example\.com/,
      String.raw`/^https:\/\/(?:[a-z0-9-]+\.)*example\.com$/`,
      ['https://example.com', 'https://www.example.com', 'https://a.b.example.com'],
      ['https://example.com.evil.net', 'https://evilexample.com', 'http://example.com', 'https://example.com:8443'],
    ],
    [
      'a leading dot: subdomains only',
      /\.example\.com$/,
      String.raw`/^https:\/\/(?:[a-z0-9-]+\.)+example\.com$/`,
      ['https://a.example.com', 'https://a.b.example.com'],
      ['https://example.com', 'https://evil-example.com', 'https://a.example.com.evil.net'],
    ],
    [
      "leading and trailing '.*' are dropped",
      /.*\.example\.com.*/,
      String.raw`/^https:\/\/(?:[a-z0-9-]+\.)+example\.com$/`,
      ['https://a.example.com'],
      ['https://a.example.com.evil.net'],
    ],
    ['anchored at the start only', /^https:\/\/example\.com/, String.raw`/^https:\/\/example\.com$/`, ['https://example.com'], ['https://example.com.evil.net']],
    [
      'a top-level alternation with schemes',
      /^https:\/\/a\.com|https:\/\/b\.com$/,
      String.raw`/^(?:https:\/\/a\.com|https:\/\/b\.com)$/`,
      ['https://a.com', 'https://b.com'],
      ['https://a.com.evil.net', 'https://evil.net?https://b.com'],
    ],
    [
      'a top-level alternation without schemes',
      /a\.com|b\.com/,
      String.raw`/^(?:https:\/\/(?:[a-z0-9-]+\.)*a\.com|https:\/\/(?:[a-z0-9-]+\.)*b\.com)$/`,
      ['https://a.com', 'https://www.b.com'],
      ['https://a.com.evil.net', 'https://evilb.com'],
    ],
    [
      "unanchored with unescaped dots: both fixed",
      /app.example.com/,
      String.raw`/^https:\/\/(?:[a-z0-9-]+\.)*app\.example\.com$/`,
      ['https://app.example.com'],
      ['https://appxexample.com', 'https://app.examplexcom'],
    ],
    ["the 'g' flag and an unescaped dot", /^https:\/\/app.example\.com$/g, String.raw`/^https:\/\/app\.example\.com$/`, ['https://app.example.com'], ['https://appxexample.com']],
    ["the 'y' flag", /^https:\/\/example\.com$/y, String.raw`/^https:\/\/example\.com$/`, ['https://example.com'], []],
    ['a scheme and a port written as a pattern', /https?:\/\/localhost:\d+/, String.raw`/^https?:\/\/localhost:\d+$/`, ['http://localhost:5173', 'https://localhost:3000'], ['http://localhost:5173.evil.net']],
    ["the 'i' flag is kept", /EXAMPLE\.COM/i, String.raw`/^https:\/\/(?:[a-z0-9-]+\.)*EXAMPLE\.COM$/i`, ['https://example.com'], ['https://example.com.evil.net']],
    ["the 'u' flag is kept", /example\.com/u, String.raw`/^https:\/\/(?:[a-z0-9-]+\.)*example\.com$/u`, ['https://www.example.com'], ['https://example.com.evil.net']],
    [
      "the 'v' flag: a '-' in a class is escaped",
      new RegExp(String.raw`example\.com`, 'v'),
      String.raw`/^https:\/\/(?:[a-z0-9\-]+\.)*example\.com$/v`,
      ['https://www.example.com'],
      ['https://example.com.evil.net'],
    ],
  ])('%s: %s', (_case, regExp, expected, allowed, refused) => {
    const suggestion = suggestionFor(regExp);
    expect(String(suggestion)).toBe(expected);
    const matcher = compileOrigin(suggestion, 'global'); // accepted: it does not throw
    for (const origin of allowed) expect([origin, matcher.match(origin, {})]).toEqual([origin, true]);
    for (const origin of refused) expect([origin, matcher.match(origin, {})]).toEqual([origin, false]);
  });

  it('says so when the pattern names no scheme, which every Origin starts with', () => {
    expect(refusalOf(/example\.com/).message).toMatch(/is not anchored, so it also matches origins that merely contain a match.*and names no scheme/);
    expect(refusalOf(/^https:\/\/example\.com/).message).not.toMatch(/scheme/);
  });
});
