import { invalidPathPattern, readPathPolicies, shadowingPathPolicy } from './path-policies.js';

describe('readPathPolicies', () => {
  it('reads entries in the order listed, each named by its path', () => {
    expect(readPathPolicies([{ path: '/graphql', policy: { origin: 'https://a.com' } }, { path: '/health', policy: false }])).toEqual([
      { path: '/graphql', source: "path policy '/graphql'", policy: { origin: 'https://a.com' } },
      { path: '/health', source: "path policy '/health'", policy: false },
    ]);
  });

  it('reads no option as no path policy', () => {
    expect(readPathPolicies(undefined)).toEqual([]);
  });

  it.each<[string, unknown, string]>([
    ['not a list', '/graphql', "global: paths '/graphql' is not a list of { path, policy }"],
    ['an entry that is not an object', ['/graphql'], "paths[0]: entry '/graphql' is not { path, policy }"],
    ['a path that is not a string', [{ path: 5, policy: {} }], "paths[0]: path 5 is not a path pattern that starts with '/'"],
    ['a policy of true', [{ path: '/a', policy: true }], "path policy '/a': policy true is not the options of @Cors() or false"],
    ['a policy that is a list', [{ path: '/a', policy: [] }], "path policy '/a': policy [] is not the options of @Cors() or false"],
    ['a stray key', [{ path: '/a', policy: {}, credentials: true }], "path policy '/a': credentials true is not a key of a path policy"],
    ['a repeated path', [{ path: '/a', policy: {} }, { path: '/a', policy: {} }], "path policy '/a': path '/a' is listed twice"],
  ])('refuses %s', (_case, value, message) => {
    expect(() => readPathPolicies(value)).toThrow(message);
  });
});

describe('the fix a refused pattern suggests, in the syntax of the router that refused it', () => {
  it.each([
    ['express', '/webhooks/*', "write '/webhooks/*splat', or write it as a route of app.get()"],
    ['express', '/items/:id(\\d+)', "write '/items/:id', or"],
    ['fastify', '/webhooks/*splat', "write '/webhooks/*', or write it as a route of fastify.get()"],
    ['fastify', '/static/{*path}', "write '/static/*', or"],
    ['fastify', '/static{/*path}', "write '/static/*', or"],
  ] as const)('%s: %s', (syntax, path, fix) => {
    expect(invalidPathPattern("path policy 'x'", path, syntax, 'reason').message).toContain(fix);
  });

  it('has no guess where it has none, only the syntax', () => {
    expect(invalidPathPattern("path policy '/a/:'", '/a/:', 'express', 'Missing parameter name').message).toMatch(/\(Missing parameter name\): write it as a route of app\.get\(\)/);
  });
});

it('a shadowing error names the path policy, the route and its handler, and what to write instead', () => {
  expect(shadowingPathPolicy("path policy '/r/*splat'", '/r/*splat', { method: 'GET', path: '/r/:id', handler: 'RController.find' }).message).toBe(
    "path policy '/r/*splat': path '/r/*splat' covers GET /r/:id, a route of RController.find, which keeps its own policy " +
      '(path policies apply only where no controller route serves): give that route its policy with @Cors({ … }) on RController ' +
      'or on RController.find, and narrow the path so that it matches no controller route',
  );
});
