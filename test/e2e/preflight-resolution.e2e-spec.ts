import { All, Controller, Get, Module, Param, Post, Put, RequestMethod, Version, VersioningType } from '@nestjs/common';
import { RouterModule } from '@nestjs/core';
import { Cors, CorsModule } from '../../src/index.js';
import { PLATFORMS, startApp, type Platform, type RunningApp } from './harness.js';

const ADMIN = 'https://admin.example.com';
const SPA = 'http://localhost:5173';
const OTHER = 'https://partner.example.net';

/** A preflight's verdict: the origin it grants, or `refused`. */
async function preflight(running: RunningApp, path: string, method: string, origin: string, headers?: string) {
  let call = running.http.options(path).set('Origin', origin).set('Access-Control-Request-Method', method);
  if (headers) call = call.set('Access-Control-Request-Headers', headers);
  const response = await call;
  return response.headers['access-control-allow-origin'] ?? `refused ${response.status}`;
}

/** Each platform's syntax for a named wildcard: path-to-regexp's `*path` on Express, find-my-way's `*` on Fastify. */
const WILDCARD = { express: 'files/*path', fastify: 'files/*' } as const;

function reportsController(platform: Platform) {
  @Controller('reports')
  class ReportsController {
    @Get() list() { return []; }
    @Post() @Cors({ origin: ADMIN }) create() { return {}; }
    @Get(':id') @Cors({ origin: OTHER }) one(@Param('id') id: string) { return { id }; }
    @Get(WILDCARD[platform]) @Cors({ origin: SPA }) file() { return {}; }
  }
  return ReportsController;
}

@Controller(['cats', 'felines'])
@Cors({ origin: SPA })
class CatsController {
  @Put(':id') update() { return {}; }
}

@Controller({ path: 'things', version: '2' })
@Cors({ origin: OTHER })
class ThingsV2Controller {
  @Get() list() { return []; }
  @Put() @Version('3') @Cors({ origin: ADMIN }) replace() { return {}; }
}

@Controller('health')
class HealthController {
  @Put() @Cors({ origin: OTHER }) ping() { return 'ok'; }
}

@Controller('dogs')
@Cors({ origin: ADMIN })
class DogsController {
  @Put() walk() { return {}; }
}

@Module({ controllers: [DogsController] })
class PetsModule {}

function appModule(platform: Platform) {
  @Module({
    imports: [
      CorsModule.forRoot({ origin: [SPA, ADMIN, OTHER] }),
      PetsModule,
      RouterModule.register([{ path: 'pets', module: PetsModule }]),
    ],
    controllers: [reportsController(platform), CatsController, ThingsV2Controller, HealthController],
  })
  class AppModule {}
  return AppModule;
}

describe.each(PLATFORMS)('preflight resolution: a preflight gets the policy of the route the actual request will reach (%s)', (platform) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(appModule(platform), (app) => {
      app.setGlobalPrefix('api', { exclude: [{ path: 'health', method: RequestMethod.PUT }] });
      app.enableVersioning({ type: VersioningType.URI, defaultVersion: '1' });
    }, platform);
  });
  afterAll(() => running.close());

  it.each([
    ['the requested method picks the handler: POST is admin-only', '/api/v1/reports', 'POST', ADMIN, ADMIN],
    ['the requested method picks the handler: POST refuses the SPA', '/api/v1/reports', 'POST', SPA, 'refused 403'],
    ['a route parameter matches', '/api/v1/reports/42', 'GET', OTHER, OTHER],
    ['a route parameter uses its own policy', '/api/v1/reports/42', 'GET', SPA, 'refused 403'],
    ['a named wildcard matches deeper paths', '/api/v1/reports/files/a/b.pdf', 'GET', SPA, SPA],
    ['a named wildcard refuses others', '/api/v1/reports/files/a/b.pdf', 'GET', OTHER, 'refused 403'],
    ['a controller with several paths: first path', '/api/v1/cats/1', 'PUT', SPA, SPA],
    ['a controller with several paths: second path', '/api/v1/felines/1', 'PUT', SPA, SPA],
    ['a controller with several paths refuses others', '/api/v1/felines/1', 'PUT', ADMIN, 'refused 403'],
    ['a controller version', '/api/v2/things', 'GET', OTHER, OTHER],
    ['a handler @Version overrides the controller version', '/api/v3/things', 'PUT', ADMIN, ADMIN],
    ['a RouterModule path', '/api/v1/pets/dogs', 'PUT', ADMIN, ADMIN],
    ['a RouterModule path refuses others', '/api/v1/pets/dogs', 'PUT', SPA, 'refused 403'],
    ['a path excluded from the global prefix', '/v1/health', 'PUT', OTHER, OTHER],
    ['an excluded path refuses others', '/v1/health', 'PUT', SPA, 'refused 403'],
  ])('%s: %s %s from %s', async (_rule, path, method, origin, expected) => {
    expect(await preflight(running, path, method, origin)).toBe(expected);
  });

  it('a path is matched as the router matches it: case-insensitively and with a trailing slash on Express; exactly on Fastify (no route there, so the global policy)', async () => {
    expect(await preflight(running, '/API/V1/Reports/', 'POST', SPA)).toBe(platform === 'express' ? 'refused 403' : SPA);
    const actual = await running.http.post('/API/V1/Reports/').set('Origin', SPA);
    expect(actual.status).toBe(platform === 'express' ? 201 : 404);
  });

  it('a path with no route gets the global default, so the 404 is readable', async () => {
    expect(await preflight(running, '/api/v1/nowhere', 'DELETE', SPA)).toBe(SPA);
    const actual = await running.http.delete('/api/v1/nowhere').set('Origin', SPA);
    expect(actual.status).toBe(404);
    expect(actual.headers['access-control-allow-origin']).toBe(SPA);
  });

  it.each([
    ['/api/v1/reports', 'PUT'],
    ['/api/v1/pets/dogs', 'DELETE'],
  ])('a method no route of %s serves (%s) is refused, and the reason says so', async (path, method) => {
    const response = await running.http.options(path).set('Origin', SPA).set('Access-Control-Request-Method', method);
    expect(response.status).toBe(403);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.text).toBe(`CORS preflight refused: method not allowed: no ${method} route for ${path}`);
    expect(response.headers.vary).toContain('Origin');
  });

  it('a wrong version is not the versioned route', async () => {
    expect(await preflight(running, '/api/v9/things', 'GET', OTHER)).toBe(OTHER); // global list
    expect(await preflight(running, '/api/v9/things', 'GET', 'https://evil.example.org')).toBe('refused 403');
  });
});

@Controller('orders')
class OrdersController {
  @Post() @Version('1') @Cors({ origin: [SPA, ADMIN], exposedHeaders: ['X-Version'] }) v1() { return { v: 1 }; }
  @Post() @Version('2') @Cors({ origin: [ADMIN, OTHER], exposedHeaders: ['X-Version', 'X-Total-Count'] }) v2() { return { v: 2 }; }
}

@Controller('inbox')
class InboxController {
  @All() @Cors({ origin: [SPA, ADMIN], methods: ['POST', 'PUT'] }) any() { return { handler: 'any' }; }
  @Post() @Cors({ origin: [ADMIN, OTHER], methods: ['POST'] }) post() { return { handler: 'post' }; }
}

@Module({ imports: [CorsModule.forRoot({ origin: '*' })], controllers: [OrdersController] })
class SharedPathModule {}

@Module({ imports: [CorsModule.forRoot({ origin: '*' })], controllers: [OrdersController, InboxController] })
class SharedPathWithAllModule {}

describe.each(PLATFORMS)('several handlers on one path and method: a preflight grants only what every candidate grants (%s)', (platform) => {
  let running: RunningApp;
  beforeAll(async () => {
    // Fastify refuses a @Post() beside an @All() on one path at start-up: its router has one route per method and path.
    running = await startApp(platform === 'express' ? SharedPathWithAllModule : SharedPathModule, (app) => app.enableVersioning({ type: VersioningType.HEADER, header: 'X-Api-Version' }), platform);
  });
  afterAll(() => running.close());

  it.each([
    ['an origin both header versions allow', '/orders', ADMIN, ADMIN],
    ['an origin only v1 allows', '/orders', SPA, 'refused 403'],
    ['an origin only v2 allows', '/orders', OTHER, 'refused 403'],
  ])('%s: %s from %s', async (_rule, path, origin, expected) => {
    expect(await preflight(running, path, 'POST', origin)).toBe(expected);
  });

  const expressOnly = platform === 'express' ? it : it.skip;

  expressOnly.each([
    ['@All declared before @Post serves POST: an origin it allows', '/inbox', SPA, SPA],
    ['@All declared before @Post serves POST: an origin only @Post allows', '/inbox', OTHER, 'refused 403'],
  ])('%s: %s from %s (Express only: Fastify refuses @Post() beside @All() on one path)', async (_rule, path, origin, expected) => {
    expect(await preflight(running, path, 'POST', origin)).toBe(expected);
  });

  expressOnly('a PUT reaches only @All, so its policy alone answers (Express only: Fastify refuses @Post() beside @All() on one path)', async () => {
    expect(await preflight(running, '/inbox', 'PUT', SPA)).toBe(SPA);
  });

  expressOnly('an actual POST runs @All, the first route Express registered for the path (Express only: Fastify refuses @Post() beside @All() on one path)', async () => {
    const response = await running.http.post('/inbox').set('Origin', SPA);
    expect(response.body).toEqual({ handler: 'any' });
    expect(response.headers['access-control-allow-origin']).toBe(SPA);
  });

  it('an actual request gets the policy of the handler that ran', async () => {
    const v2 = await running.http.post('/orders').set('Origin', OTHER).set('X-Api-Version', '2');
    expect(v2.body).toEqual({ v: 2 });
    expect(v2.headers['access-control-allow-origin']).toBe(OTHER);
    expect(v2.headers['access-control-expose-headers']).toBe('X-Version, X-Total-Count');
    const v1 = await running.http.post('/orders').set('Origin', OTHER).set('X-Api-Version', '1');
    expect(v1.body).toEqual({ v: 1 });
    expect(v1.headers['access-control-allow-origin']).toBeUndefined();
    expect(v1.headers.vary).toContain('Origin');
  });
});

describe.each(PLATFORMS)('media-type versioning: Nest’s own version filter picks the handler of an actual request (%s)', (platform) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp(SharedPathModule, (app) => app.enableVersioning({ type: VersioningType.MEDIA_TYPE, key: 'v=' }), platform);
  });
  afterAll(() => running.close());

  it('a preflight gets what both versions grant', async () => {
    expect(await preflight(running, '/orders', 'POST', ADMIN)).toBe(ADMIN);
    expect(await preflight(running, '/orders', 'POST', OTHER)).toBe('refused 403');
  });

  it.each([
    ['application/json;v=2', OTHER, OTHER],
    ['application/json;v=1', OTHER, undefined],
    ['application/json;v=1', SPA, SPA],
  ])('Accept: %s from %s', async (accept, origin, expected) => {
    const response = await running.http.post('/orders').set('Origin', origin).set('Accept', accept);
    expect(response.headers['access-control-allow-origin']).toBe(expected);
  });
});
