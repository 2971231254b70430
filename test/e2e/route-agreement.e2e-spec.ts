import { Controller, Get, Header, Module, Param, Res, Version, VersioningType, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Cors, CorsModule } from '../../src/index.js';
import { rawRequest, type RawResponse } from '../support/raw-http.js';
import { PLATFORMS, startApp, type RunningApp } from './harness.js';

const ORIGIN = 'https://app.example.com';

/** Handler n exposes `X-H<n>` and caches preflights for 900 + n seconds; the global policy exposes nothing, 600 s. */
const Tag = (n: number) => Cors({ exposedHeaders: [`X-H${n}`], maxAge: 900 + n });

/** Whose policy an actual response carries: `h<n>`, or `global`. */
function actualPolicy(headers: Record<string, string | undefined>): string {
  if (headers['access-control-allow-origin'] !== ORIGIN) return 'none';
  return headers['access-control-expose-headers']?.replace(/^X-H/, 'h') ?? 'global';
}

/** Whose policy a preflight answer carries, by its max-age. */
function preflightPolicy(headers: Record<string, string | undefined>, status: number): string {
  if (status !== 204) return `refused ${status}`;
  const maxAge = Number(headers['access-control-max-age']);
  return maxAge === 600 ? 'global' : `h${maxAge - 900}`;
}

/** Who answered an actual request: the handler's tag, or the status of a response no handler wrote. */
const answeredBy = (response: RawResponse) => (response.status === 200 ? `h${response.body}` : `status ${response.status}`);

async function send(running: RunningApp, method: string, target: string, headers: Record<string, string> = {}) {
  return rawRequest(running.port, method, target, { Origin: ORIGIN, ...headers });
}

/** The policy of whoever answered: its handler's, or the global policy when no handler wrote the response. */
const policyOfAnswer = (answered: string) => (answered.startsWith('h') ? answered : 'global');

async function preflightFor(running: RunningApp, method: string, target: string, headers: Record<string, string> = {}) {
  const response = await send(running, 'OPTIONS', target, { 'Access-Control-Request-Method': method, ...headers });
  return preflightPolicy(response.headers, response.status);
}

function appWith(...controllers: Array<new () => unknown>) {
  @Module({ imports: [CorsModule.forRoot({ origin: ORIGIN, maxAge: 600 })], controllers })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)('host-bound controllers: a host policy never leaks onto another host handler (%s)', (platform) => {
  @Controller({ path: 'admin', host: 'admin.example.test' })
  class AdminHostController {
    @Get() @Tag(1) h1() { return 1; }
  }
  @Controller('admin')
  class AdminController {
    @Get() @Tag(2) h2() { return 2; }
  }

  let both: RunningApp | undefined;
  let hostOnly: RunningApp;
  beforeAll(async () => {
    // Fastify refuses two routes for one method and path, whatever their host filter.
    if (platform === 'express') both = await startApp(appWith(AdminHostController, AdminController), undefined, platform);
    hostOnly = await startApp(appWith(AdminHostController), undefined, platform);
  });
  afterAll(() => Promise.all([both?.close(), hostOnly.close()]));

  (platform === 'express' ? it : it.skip).each([
    ['admin.example.test', 'h1'],
    ['127.0.0.1', 'h2'],
  ])('Host %s: the actual request and its preflight get the policy of %s, the handler that runs (Express only: Fastify refuses a second GET /admin at start-up)', async (host, handler) => {
    const actual = await send(both!, 'GET', '/admin', { Host: host });
    expect(answeredBy(actual)).toBe(handler);
    expect(actualPolicy(actual.headers)).toBe(handler);
    expect(await preflightFor(both!, 'GET', '/admin', { Host: host })).toBe(handler);
  });

  it('the bound host gets the controller policy', async () => {
    const actual = await send(hostOnly, 'GET', '/admin', { Host: 'admin.example.test' });
    expect(answeredBy(actual)).toBe('h1');
    expect(actualPolicy(actual.headers)).toBe('h1');
    expect(await preflightFor(hostOnly, 'GET', '/admin', { Host: 'admin.example.test' })).toBe('h1');
  });

  it("another host's request is Nest's 404, with the global policy", async () => {
    const actual = await send(hostOnly, 'GET', '/admin', { Host: '127.0.0.1' });
    expect(actual.status).toBe(404);
    expect(actualPolicy(actual.headers)).toBe('global');
    expect(await preflightFor(hostOnly, 'GET', '/admin', { Host: '127.0.0.1' })).toBe('global');
  });
});

describe.each(PLATFORMS)('header versioning that falls through to another path (%s)', (platform) => {
  @Controller('users')
  class UsersController {
    @Get('me') @Version('1') @Tag(1) me() { return 1; }
    @Get(':id') @Tag(2) one(@Param('id') _id: string) { return 2; }
  }

  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(appWith(UsersController), (app) => app.enableVersioning({ type: VersioningType.HEADER, header: 'X-Api-Version' }), platform);
  });
  afterAll(() => running.close());

  it.each([
    ['1', 'h1'],
    ['2', 'h2'],
    [undefined, 'h2'],
  ])('X-Api-Version %s runs %s and gets its policy', async (version, handler) => {
    const actual = await send(running, 'GET', '/users/me', version === undefined ? {} : { 'X-Api-Version': version });
    expect(answeredBy(actual)).toBe(handler);
    expect(actualPolicy(actual.headers)).toBe(handler);
  });

  it('a preflight, which carries no version, gets what both candidates grant (the shorter max-age)', async () => {
    expect(await preflightFor(running, 'GET', '/users/me')).toBe('h1');
    expect(await preflightFor(running, 'GET', '/users/42')).toBe('h2');
  });
});

describe.each(PLATFORMS)('route paths with several trailing slashes, as the router reads them (%s)', (platform) => {
  @Controller('p')
  class ParamController {
    @Get(':id//') @Tag(1) h1() { return 1; }
  }
  @Controller('l')
  class LiteralController {
    @Get('a///') @Tag(2) h2() { return 2; }
  }

  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(appWith(ParamController, LiteralController), undefined, platform);
  });
  afterAll(() => running.close());

  it.each([
    ['/p/x', 'h1'],
    ['/p/x/', 'h1'],
    ['/l/a', 'h2'],
    ['/l/a/', 'h2'],
    ['/l/a//', 'status 404'],
    ['/p/x//', 'status 404'],
  ])('GET %s: answered by %s on Express (as the router answers on Fastify), with the same policy on the response and its preflight', async (target, expected) => {
    const actual = await send(running, 'GET', target);
    if (platform === 'express') expect(answeredBy(actual)).toBe(expected);
    const policy = policyOfAnswer(answeredBy(actual));
    expect(actualPolicy(actual.headers)).toBe(policy);
    expect(await preflightFor(running, 'GET', target)).toBe(policy);
  });
});

@Controller('c')
class ChoicesController {
  @Get('me') @Tag(1) me() { return 1; }
  @Get('\u212A') @Tag(3) kelvin() { return 3; }
  @Get(':id') @Tag(2) one(@Param('id') _id: string) { return 2; }
}

describe.each(PLATFORMS)('request targets as the platform parses them (Express: parseurl; Fastify: find-my-way) (%s)', (platform) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(appWith(ChoicesController), undefined, platform);
  });
  afterAll(() => running.close());

  it.each([
    ['a fragment', '/c/me#x', 'h1'],
    ['a fragment after a parameter', '/c/42#me', 'h2'],
    ['a backslash', '/c\\me', 'status 404'],
    ['a backslash and a fragment (the legacy URL parser turns it into a slash)', '/c\\me#x', 'h1'],
    ['the absolute form (RFC 9112)', 'http://127.0.0.1/c/me', 'h1'],
    ['the absolute form with a query', 'http://127.0.0.1/c/7?x=1', 'h2'],
    ['a query', '/c/me?id=2', 'h1'],
    ['an encoded slash', '/c/a%2Fb', 'h2'],
    ['a dot segment', '/c/%2e%2e', 'h2'],
    ['a double slash', '//c/me', 'status 404'],
    ['a semicolon', '/c/me;x', 'h2'],
    ['an empty parameter', '/c/', 'status 404'],
    ['a target without its leading slash (Fastify routes it, then the adapter sends it to the 404 handler)', '*c/me', 'status 404'],
  ])('%s: %s is answered by %s on Express (as the router answers on Fastify), and the response and its preflight carry that policy', async (_case, target, expected) => {
    const actual = await send(running, 'GET', target);
    if (platform === 'express') expect(answeredBy(actual)).toBe(expected);
    const policy = policyOfAnswer(answeredBy(actual));
    expect(actualPolicy(actual.headers)).toBe(policy);
    expect(await preflightFor(running, 'GET', target)).toBe(policy);
  });

  it.each([
    ['the Kelvin sign, which toLowerCase() folds to k and a case-insensitive RegExp does not', '/c/k'],
    ['an upper-case K', '/c/K'],
  ])('case folding as Express matches: %s', async (_case, target) => {
    const actual = await send(running, 'GET', target);
    expect(answeredBy(actual)).toBe('h2');
    expect(actualPolicy(actual.headers)).toBe('h2');
    expect(await preflightFor(running, 'GET', target)).toBe('h2');
  });

  (platform === 'express' ? it : it.skip)('a malformed percent-escape, which Express answers with 400 while matching, gets the global policy (Express only: see the next test)', async () => {
    const actual = await send(running, 'GET', '/c/%ZZ');
    expect(actual.status).toBe(400);
    expect(actualPolicy(actual.headers)).toBe('global');
    expect(await preflightFor(running, 'GET', '/c/%ZZ')).toBe('global');
  });

  (platform === 'fastify' ? it : it.skip)('a malformed percent-escape is answered 400 by Fastify before any hook runs: no CORS header at all (Fastify only: its frameworkErrors)', async () => {
    const actual = await send(running, 'GET', '/c/%ZZ');
    expect(actual.status).toBe(400);
    expect(actualPolicy(actual.headers)).toBe('none');
    expect(await preflightFor(running, 'GET', '/c/%ZZ')).toBe('refused 400');
  });
});

(PLATFORMS.includes('fastify') ? describe : describe.skip)('a route path that repeats a parameter name (Fastify only: the adapter checks it with path-to-regexp, as its middleware)', () => {
  @Controller('projects')
  class ProjectsController {
    @Get(':id/tasks/:id') @Tag(1) task() { return 1; }
  }

  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(appWith(ProjectsController), undefined, 'fastify');
  });
  afterAll(() => running.close());

  it.each([
    ['both parameters given', '/projects/3/tasks/7', 'h1'],
    ['the first one empty, which find-my-way matches and the adapter answers 404', '/projects//tasks/7', 'status 404'],
  ])('%s: %s is answered by %s, and the response and its preflight carry that policy', async (_case, target, expected) => {
    const actual = await send(running, 'GET', target);
    expect(answeredBy(actual)).toBe(expected);
    expect(actualPolicy(actual.headers)).toBe(policyOfAnswer(expected));
    expect(await preflightFor(running, 'GET', target)).toBe(policyOfAnswer(expected));
  });
});

describe.each(PLATFORMS)('a preflight for a method no route of the path serves (%s)', (platform) => {
  @Controller('admin/reports')
  class ReportsController {
    @Get() @Tag(1) list() { return 1; }
  }

  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(appWith(ReportsController), undefined, platform);
  });
  afterAll(() => running.close());

  it('is refused with "method not allowed: no PUT route for /admin/reports", not blamed on the origin', async () => {
    const response = await send(running, 'OPTIONS', '/admin/reports', { 'Access-Control-Request-Method': 'PUT' });
    expect(response.status).toBe(403);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.body).toBe('CORS preflight refused: method not allowed: no PUT route for /admin/reports');
  });

  it('while a path with no route at all keeps the global policy', async () => {
    expect(await preflightFor(running, 'PUT', '/graphql')).toBe('global');
  });
});

describe.each(PLATFORMS)('the handler that runs decides, even when the request changed after the first layer (%s)', (platform) => {
  @Controller('rewrite')
  class RewriteController {
    @Get('a') @Tag(1) a() { return 1; }
    @Get('b') @Tag(2) b() { return 2; }
  }
  class RewriteMiddleware implements NestMiddleware {
    use(request: Request, _response: Response, next: NextFunction) {
      if (request.url === '/rewrite/a') request.url = '/rewrite/b';
      next();
    }
  }

  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(appWith(RewriteController), (app) => app.use(new RewriteMiddleware().use), platform);
  });
  afterAll(() => running.close());

  it('a middleware that rewrites the URL: on Express the rewritten route answers, with its own policy; on Fastify, which routes before middleware, the route it matched', async () => {
    const actual = await send(running, 'GET', '/rewrite/a');
    const expected = platform === 'express' ? 'h2' : 'h1';
    expect(answeredBy(actual)).toBe(expected);
    expect(actualPolicy(actual.headers)).toBe(expected);
    expect(actual.headers.vary).toBe('Origin');
  });
});

/** Express's `res`, or Fastify's reply: `header()` is the reply's own, `raw` its Node response. */
type AnyResponse = Response | { header(name: string, value: string): unknown; raw: Response };

describe.each(PLATFORMS)('Vary that nothing downstream can drop (%s)', (platform) => {
  @Controller('vary')
  class VaryController {
    @Get('plain') plain() { return 'plain'; }
    @Get('set-header') setHeader(@Res({ passthrough: true }) response: AnyResponse) {
      if ('raw' in response) response.header('Vary', 'Accept');
      else response.setHeader('Vary', 'Accept');
      return 'set';
    }
    @Get('decorator') @Header('Vary', 'Accept-Language') decorated() { return 'decorated'; }
    @Get('write-head') writeHead(@Res() response: AnyResponse) {
      const raw = 'raw' in response ? response.raw : response;
      raw.writeHead(200, { Vary: 'Cookie', 'Content-Type': 'text/plain' });
      raw.end('raw');
    }
  }

  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(appWith(VaryController), (app) =>
      app.use((_request: Request, response: Response, next: NextFunction) => {
        response.setHeader('Vary', 'Foo');
        next();
      }),
      platform,
    );
  });
  afterAll(() => running.close());

  it.each([
    ['a middleware registered before Nest\'s stack sets Vary: Foo', '/vary/plain', 'Foo, Origin'],
    ['a handler replaces it with res.setHeader (Express), reply.header (Fastify)', '/vary/set-header', 'Accept, Origin'],
    ['@Header(\'Vary\', …) replaces it', '/vary/decorator', 'Accept-Language, Origin'],
    ['res.writeHead(status, { Vary })', '/vary/write-head', 'Cookie, Origin'],
  ])('%s: the response still varies on Origin', async (_case, path, vary) => {
    for (const origin of [ORIGIN, 'https://evil.example']) {
      const response = await running.http.get(path).set('Origin', origin);
      expect(response.status).toBe(200);
      expect(response.headers.vary).toBe(vary);
    }
  });
});
