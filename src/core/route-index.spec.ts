import { RouteIndex, type IndexedRoute } from './route-index.js';

const routes: IndexedRoute<string>[] = [
  { method: 'GET', path: '/users/:id', value: 'user' },
  { method: 'GET', path: '/users/me', value: 'me (shadowed by :id, as in Express)' },
  { method: 'GET', path: '/teams/me', value: 'team me' },
  { method: 'GET', path: '/teams/:id', value: 'team' },
  { method: 'ALL', path: '/rpc', value: 'rpc all' },
  { method: 'POST', path: '/rpc', value: 'rpc post' },
  { method: 'GET', path: '/files/*path', value: 'files' },
  { method: 'GET', path: '/docs{/:page}', value: 'docs' },
];

const index = (strict = false, caseSensitive = false) =>
  new RouteIndex(routes, { strict, caseSensitive }, (values) => values.join(' + '));

describe('route index: the route a request reaches, as Express routes it', () => {
  it.each([
    ['GET', '/users/7', 'user'],
    ['GET', '/users/me', 'user'],
    ['GET', '/teams/me', 'team me'],
    ['GET', '/teams/7', 'team'],
    ['HEAD', '/teams/7', 'team'],
    ['POST', '/rpc', 'rpc all + rpc post'],
    ['DELETE', '/rpc', 'rpc all'],
    ['GET', '/files/a/b/c.txt', 'files'],
    ['GET', '/files', undefined],
    ['GET', '/docs', 'docs'],
    ['GET', '/docs/intro', 'docs'],
    ['GET', '/TEAMS/ME/', 'team me'],
    ['PUT', '/users/7', undefined],
    ['GET', '/nowhere', undefined],
  ])('%s %s', (method, path, expected) => {
    expect(index().lookup(method, path)).toBe(expected);
  });

  it('follows strict and case-sensitive routing', () => {
    expect(index(true, true).lookup('GET', '/teams/me/')).toBeUndefined();
    expect(index(true, true).lookup('GET', '/teams/me')).toBe('team me');
    expect(index(true, true).lookup('GET', '/TEAMS/me')).toBeUndefined();
  });
});

describe('route index: methods no route names', () => {
  it('reach only ALL routes, through one shared table', () => {
    const routeIndex = index();
    expect(routeIndex.lookup('PROPFIND', '/rpc')).toBe('rpc all');
    expect(routeIndex.lookup('X'.repeat(50), '/users/7')).toBeUndefined();
    expect((routeIndex as unknown as { tables: Map<string, unknown> }).tables.size).toBe(1);
  });
});

describe('route index: remembered pattern lookups', () => {
  it('answer the same as the first lookup, and stay bounded', () => {
    const routeIndex = index();
    for (let round = 0; round < 2; round++) {
      expect(routeIndex.lookup('GET', '/users/7')).toBe('user');
      expect(routeIndex.lookup('GET', '/users/none/extra')).toBeUndefined();
    }
    for (let i = 0; i < 5000; i++) routeIndex.lookup('GET', `/users/${i}`);
    const tables = (routeIndex as unknown as { tables: Map<string, { recent: Map<string, unknown> }> }).tables;
    expect(tables.get('GET')!.recent.size).toBeLessThanOrEqual(1024);
    expect(routeIndex.lookup('GET', '/teams/me')).toBe('team me');
  });
});
