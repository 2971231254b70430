import { Controller, Get, Header, Module, Param, Res, Version, VersioningType, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Cors, CorsModule } from '../../src/index.js';
import { rawRequest, type RawResponse } from '../support/raw-http.js';
import { startApp, type RunningApp } from './harness.js';

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
  return rawRequest(Number(new URL(running.url).port), method, target, { Origin: ORIGIN, ...headers });
}

async function preflightFor(running: RunningApp, method: string, target: string, headers: Record<string, string> = {}) {
  const response = await send(running, 'OPTIONS', target, { 'Access-Control-Request-Method': method, ...headers });
  return preflightPolicy(response.headers, response.status);
}

function appWith(...controllers: Array<new () => unknown>) {
  @Module({ imports: [CorsModule.forRoot({ origin: ORIGIN, maxAge: 600 })], controllers })
  class AppModule {}
  return AppModule;
}

describe('host-bound controllers: a host policy never leaks onto another host handler', () => {
  @Controller({ path: 'admin', host: 'admin.example.test' })
  class AdminHostController {
    @Get() @Tag(1) h1() { return 1; }
  }
  @Controller('admin')
  class AdminController {
    @Get() @Tag(2) h2() { return 2; }
  }

  let both: RunningApp;
  let hostOnly: RunningApp;
  beforeAll(async () => {
    both = await startApp(appWith(AdminHostController, AdminController));
    hostOnly = await startApp(appWith(AdminHostController));
  });
  afterAll(() => Promise.all([both.close(), hostOnly.close()]));

  it.each([
    ['admin.example.test', 'h1'],
    ['127.0.0.1', 'h2'],
  ])('Host %s: the actual request and its preflight get the policy of %s, the handler that runs', async (host, handler) => {
    const actual = await send(both, 'GET', '/admin', { Host: host });
    expect(answeredBy(actual)).toBe(handler);
    expect(actualPolicy(actual.headers)).toBe(handler);
    expect(await preflightFor(both, 'GET', '/admin', { Host: host })).toBe(handler);
  });

  it("another host's request is Nest's 404, with the global policy", async () => {
    const actual = await send(hostOnly, 'GET', '/admin', { Host: '127.0.0.1' });
    expect(actual.status).toBe(404);
    expect(actualPolicy(actual.headers)).toBe('global');
    expect(await preflightFor(hostOnly, 'GET', '/admin', { Host: '127.0.0.1' })).toBe('global');
  });
});

describe('header versioning that falls through to another path', () => {
  @Controller('users')
  class UsersController {
    @Get('me') @Version('1') @Tag(1) me() { return 1; }
    @Get(':id') @Tag(2) one(@Param('id') _id: string) { return 2; }
  }

  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(appWith(UsersController), (app) => app.enableVersioning({ type: VersioningType.HEADER, header: 'X-Api-Version' }));
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

describe('route paths with several trailing slashes, as Express strips them', () => {
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
    running = await startApp(appWith(ParamController, LiteralController));
  });
  afterAll(() => running.close());

  it.each([
    ['/p/x', 'h1'],
    ['/p/x/', 'h1'],
    ['/l/a', 'h2'],
    ['/l/a/', 'h2'],
    ['/l/a//', 'status 404'],
    ['/p/x//', 'status 404'],
  ])('GET %s: answered by %s, with the same policy on the response and its preflight', async (target, expected) => {
    const actual = await send(running, 'GET', target);
    expect(answeredBy(actual)).toBe(expected);
    const policy = expected.startsWith('h') ? expected : 'global';
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

describe('request targets as Express parses them (parseurl)', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(appWith(ChoicesController));
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
  ])('%s: %s is answered by %s, and the response and its preflight carry that policy', async (_case, target, expected) => {
    const actual = await send(running, 'GET', target);
    expect(answeredBy(actual)).toBe(expected);
    const policy = expected.startsWith('h') ? expected : 'global';
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

  it('a malformed percent-escape, which Express answers with 400 while matching, gets the global policy', async () => {
    const actual = await send(running, 'GET', '/c/%ZZ');
    expect(actual.status).toBe(400);
    expect(actualPolicy(actual.headers)).toBe('global');
    expect(await preflightFor(running, 'GET', '/c/%ZZ')).toBe('global');
  });
});

describe('a preflight for a method no route of the path serves', () => {
  @Controller('admin/reports')
  class ReportsController {
    @Get() @Tag(1) list() { return 1; }
  }

  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(appWith(ReportsController));
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

describe('the handler that runs decides, even when the request changed after the first layer', () => {
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
    running = await startApp(appWith(RewriteController), (app) => app.use(new RewriteMiddleware().use));
  });
  afterAll(() => running.close());

  it('a middleware that rewrites the URL: the rewritten route answers, with its own policy', async () => {
    const actual = await send(running, 'GET', '/rewrite/a');
    expect(answeredBy(actual)).toBe('h2');
    expect(actualPolicy(actual.headers)).toBe('h2');
    expect(actual.headers.vary).toBe('Origin');
  });
});

describe('Vary that nothing downstream can drop', () => {
  @Controller('vary')
  class VaryController {
    @Get('plain') plain() { return 'plain'; }
    @Get('set-header') setHeader(@Res({ passthrough: true }) response: Response) {
      response.setHeader('Vary', 'Accept');
      return 'set';
    }
    @Get('decorator') @Header('Vary', 'Accept-Language') decorated() { return 'decorated'; }
    @Get('write-head') writeHead(@Res() response: Response) {
      response.writeHead(200, { Vary: 'Cookie', 'Content-Type': 'text/plain' });
      response.end('raw');
    }
  }

  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(appWith(VaryController), (app) =>
      app.use((_request: Request, response: Response, next: NextFunction) => {
        response.setHeader('Vary', 'Foo');
        next();
      }),
    );
  });
  afterAll(() => running.close());

  it.each([
    ['a middleware registered before Nest\'s stack sets Vary: Foo', '/vary/plain', 'Foo, Origin'],
    ['a handler replaces it with res.setHeader', '/vary/set-header', 'Accept, Origin'],
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
