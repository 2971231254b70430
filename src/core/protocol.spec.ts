import { compilePolicy, intersectPolicies, type CompiledPolicy } from './compile.js';
import { mergePolicies } from './merge.js';
import type { CorsPolicyOptions } from './policy-options.js';
import { decidePreflight, describeRefusal, refusalBody, refuseUnroutedMethod, type PreflightRequest } from './protocol.js';
import { mergeVary } from './vary.js';
import { actualHeaders } from '../../test/support/actual-headers.js';

const policy = (options: CorsPolicyOptions, source = 'global'): CompiledPolicy =>
  compilePolicy(mergePolicies([{ source, policy: options }]));


const ask = (over: Partial<PreflightRequest> = {}): PreflightRequest => ({
  origin: 'https://app.com',
  method: 'PUT',
  headers: undefined,
  privateNetwork: false,
  ...over,
});

describe('preflight decisions', () => {
  const app = policy({ origin: 'https://app.com', allowedHeaders: ['Content-Type', 'X-Id'], credentials: true });

  it.each<[string, CompiledPolicy, Partial<PreflightRequest>, boolean, string]>([
    ['refuses a disabled route first', compilePolicy(mergePolicies([{ source: 'A', policy: false }])), {}, true, 'disabled'],
    ['refuses an origin', app, {}, false, 'origin'],
    ['refuses a method', app, { method: 'PROPFIND' }, true, 'method'],
    ['refuses a requested method that is not a token', policy({ origin: '*', methods: '*' }), { method: 'GET\r\nX: y' }, true, 'method'],
    ['refuses a header, naming it', app, { headers: 'content-type, x-other' }, true, 'header:x-other'],
    ['refuses a malformed header list', app, { headers: 'x id' }, true, 'header:x id'],
    ['refuses private network access unless enabled', app, { privateNetwork: true }, true, 'private-network'],
  ])('%s', (_rule, compiled, request, originAllowed, expected) => {
    const decision = decidePreflight(compiled, ask(request), originAllowed);
    expect(decision.allowed).toBe(false);
    if (!decision.allowed) expect(expected).toBe(decision.reason === 'header' ? `header:${decision.value}` : decision.reason);
  });

  it('allows with the headers of the Fetch standard', () => {
    const decision = decidePreflight(app, ask({ headers: 'X-Id,content-type' }), true);
    expect(decision).toEqual({
      allowed: true,
      status: 204,
      headers: [
        ['Access-Control-Allow-Origin', 'https://app.com'],
        ['Access-Control-Allow-Credentials', 'true'],
        ['Access-Control-Allow-Methods', 'GET, HEAD, PUT, PATCH, POST, DELETE'],
        ['Access-Control-Allow-Headers', 'Content-Type, X-Id'],
        ['Access-Control-Max-Age', '600'],
      ],
      vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
    });
  });
});

describe('actual response headers', () => {
  it.each<[string, CorsPolicyOptions, string | undefined, boolean, Record<string, string>]>([
    ['an allowed origin is echoed, with Vary', { origin: 'https://app.com' }, 'https://app.com', true, { 'access-control-allow-origin': 'https://app.com', vary: 'Origin' }],
    ['a refused origin gets Vary only', { origin: 'https://app.com' }, 'https://evil.com', false, { vary: 'Origin' }],
    ['no Origin gets Vary only', { origin: 'https://app.com' }, undefined, false, { vary: 'Origin' }],
    ["'*' answers * without Vary", { origin: '*', exposedHeaders: 'X-Total-Count' }, 'https://any.com', true, { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'X-Total-Count' }],
    ['credentials come with the echoed origin', { origin: 'https://app.com', credentials: true }, 'https://app.com', true, { 'access-control-allow-origin': 'https://app.com', 'access-control-allow-credentials': 'true', vary: 'Origin' }],
    ['no origins at all: nothing depends on the origin', {}, 'https://app.com', false, {}],
    ['timingAllowOrigin echoes the granted origin', { origin: 'https://app.com', timingAllowOrigin: true }, 'https://app.com', true, { 'access-control-allow-origin': 'https://app.com', 'timing-allow-origin': 'https://app.com', vary: 'Origin' }],
    ['timingAllowOrigin grants nothing to a refused origin', { origin: 'https://app.com', timingAllowOrigin: true }, 'https://evil.com', false, { vary: 'Origin' }],
    ["timingAllowOrigin with '*' answers *", { origin: '*', timingAllowOrigin: true }, 'https://any.com', true, { 'access-control-allow-origin': '*', 'timing-allow-origin': '*' }],
    ['a disabled route sends nothing', { origin: 'https://app.com' }, 'https://app.com', true, {}],
  ])('%s', (rule, options, origin, allowed, expected) => {
    if (rule.startsWith('a disabled route')) {
      expect(actualHeaders(compilePolicy(mergePolicies([{ source: 'global', policy: options }, { source: 'A', policy: false }])), origin, allowed)).toEqual(expected);
      return;
    }
    expect(actualHeaders(policy(options), origin, allowed)).toEqual(expected);
  });
});

describe('Vary', () => {
  it.each([
    [undefined, 'Origin', 'Origin'],
    ['Accept-Encoding', 'Origin', 'Accept-Encoding, Origin'],
    ['origin', 'Origin', 'origin'],
    ['*', 'Origin', '*'],
    ['Origin', 'Origin, Access-Control-Request-Method', 'Origin, Access-Control-Request-Method'],
    ['Accept, Origin', 'Origin', 'Accept, Origin'],
  ])('%s + %s = %s', (current, added, expected) => {
    expect(mergeVary(current, added) ?? current).toBe(expected);
  });
});

describe('refusal reasons', () => {
  it('names the method and the path when no route serves the method', () => {
    const decision = refuseUnroutedMethod('PUT', '/admin/reports');
    expect(decision.allowed).toBe(false);
    if (decision.allowed) return;
    expect(describeRefusal(decision)).toBe('method not allowed: no PUT route for /admin/reports');
    expect(refusalBody(decision)).toBe('CORS preflight refused: method not allowed: no PUT route for /admin/reports');
  });

  it('quotes the value that failed', () => {
    expect(describeRefusal({ reason: 'origin', value: 'https://evil.example' })).toBe("origin not allowed: 'https://evil.example'");
    expect(refusalBody({ reason: 'origin', value: 'https://evil.example' })).toBe('CORS preflight refused: origin not allowed');
  });
});

describe('intersection of candidate policies', () => {
  const a = policy({ origin: ['https://a.com', 'https://b.com'], methods: 'GET, POST', exposedHeaders: ['X-One', 'X-Two'], maxAge: 600 }, 'A');
  const b = policy({ origin: ['https://b.com', 'https://c.com'], methods: 'POST, PUT', exposedHeaders: ['X-Two'], maxAge: 60, credentials: true }, 'B');
  const both = intersectPolicies([a, b]);

  it('allows an origin only if every candidate does', () => {
    expect(both.origin.match('https://b.com', {})).toBe(true);
    expect(both.origin.match('https://a.com', {})).toBe(false);
    expect(both.origin.match('https://c.com', {})).toBe(false);
  });

  it('keeps the common methods and exposed headers, the shortest max-age, credentials only if all allow them', () => {
    expect(both.allowMethods).toBe('POST');
    expect(both.exposeHeaders).toBe('X-Two');
    expect(both.maxAgeValue).toBe('60');
    expect(both.credentials).toBe(false);
  });

  it('is the policy itself when all candidates share it', () => {
    expect(intersectPolicies([a, a])).toBe(a);
  });
});
