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
