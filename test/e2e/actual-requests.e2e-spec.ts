import { Controller, Get, Header, Module, Post, Req } from '@nestjs/common';
import { RouteConfig, RouteConstraints } from '@nestjs/platform-fastify';
import { Cors, CorsModule } from '../../src/index.js';
import { PLATFORMS, startApp, type RunningApp } from './harness.js';

const SPA = 'http://localhost:5173';
const ADMIN = 'https://admin.example.com';

@Controller('data')
class DataController {
  @Get() list() { return ['a']; }
  @Get('public') @Cors({ origin: '*', exposedHeaders: ['X-Total-Count'] }) open() { return ['p']; }
  @Get('session') @Cors({ origin: ADMIN, credentials: true, exposedHeaders: 'X-Total-Count, Location' }) session() { return ['s']; }
  @Get('closed') @Cors(false) closed() { return ['c']; }
  @Get('lang') @Header('Vary', 'Accept-Language') lang() { return ['l']; }
  @Get('sandbox') @Cors({ origin: ['null', SPA] }) sandbox() { return ['n']; }
  @Get('patterns') @Cors({ origin: ['https://*.example.com', /^https:\/\/tenant-\d+\.example\.org$/] }) patterns() { return ['w']; }
  @Post('echo') echo() { return { ok: true }; }
}

@Module({ imports: [CorsModule.forRoot({ origin: [SPA, ADMIN] })], controllers: [DataController] })
class AppModule {}

function accessControlHeaders(headers: Record<string, string>): string[] {
  return Object.keys(headers).filter((name) => name.startsWith('access-control-'));
}

describe.each(PLATFORMS)('actual requests (%s)', (platform) => {
  let running: RunningApp;
  beforeAll(async () => { running = await startApp(AppModule, undefined, platform); });
  afterAll(() => running.close());

  describe('an allowed origin', () => {
    it('gets its own origin back, never *, when the policy lists origins', async () => {
      const response = await running.http.get('/data').set('Origin', SPA);
      expect(response.status).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBe(SPA);
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('gets credentials and exposed headers where the route allows them', async () => {
      const response = await running.http.get('/data/session').set('Origin', ADMIN);
      expect(response.headers['access-control-allow-origin']).toBe(ADMIN);
      expect(response.headers['access-control-allow-credentials']).toBe('true');
      expect(response.headers['access-control-expose-headers']).toBe('X-Total-Count, Location');
    });

    it("gets * for origin: '*' without credentials, and no Vary: Origin", async () => {
      const response = await running.http.get('/data/public').set('Origin', 'https://anyone.example');
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers['access-control-expose-headers']).toBe('X-Total-Count');
      expect(response.headers.vary ?? '').not.toContain('Origin');
    });

    it.each([
      ['a subdomain', 'https://a.example.com', true],
      ['a deeper subdomain', 'https://a.b.example.com', true],
      ['an anchored RegExp', 'https://tenant-42.example.org', true],
      ['not the bare domain of a pattern', 'https://example.com', false],
      ['not a look-alike domain', 'https://evil-example.com', false],
      ['not a pattern with another port', 'https://a.example.com:8443', false],
      ['not a suffix attack on a RegExp', 'https://tenant-42.example.org.evil.net', false],
    ])('patterns: %s', async (_rule, origin, allowed) => {
      const response = await running.http.get('/data/patterns').set('Origin', origin);
      expect(response.headers['access-control-allow-origin']).toBe(allowed ? origin : undefined);
    });
  });

  describe('a refused origin', () => {
    it.each([
      ['an unlisted origin', '/data', 'https://evil.example.com'],
      ['a listed origin with another scheme', '/data', 'https://localhost:5173'],
      ['a listed origin in upper case', '/data', 'HTTP://LOCALHOST:5173'],
      ['a listed origin with a trailing slash', '/data', 'http://localhost:5173/'],
      ['two origins in one header', '/data', `${SPA}, ${ADMIN}`],
      ['Origin: null where null is not listed', '/data', 'null'],
      ['another origin on a credentialed route', '/data/session', SPA],
    ])('%s: no Access-Control-* header, the request is served as usual', async (_rule, path, origin) => {
      const response = await running.http.get(path).set('Origin', origin);
      expect(response.status).toBe(200);
      expect(response.body.length).toBe(1);
      expect(accessControlHeaders(response.headers)).toEqual([]);
      expect(response.headers.vary).toContain('Origin');
    });

    it("Origin: null is allowed only where 'null' is listed", async () => {
      const response = await running.http.get('/data/sandbox').set('Origin', 'null');
      expect(response.headers['access-control-allow-origin']).toBe('null');
    });

    it('a state-changing request from a refused origin still runs: CORS guards reading, not writing', async () => {
      const response = await running.http.post('/data/echo').set('Origin', 'https://evil.example.com');
      expect(response.status).toBe(201);
      expect(accessControlHeaders(response.headers)).toEqual([]);
    });
  });

  describe('@Cors(false)', () => {
    it('sends no CORS header at all, to any origin', async () => {
      const response = await running.http.get('/data/closed').set('Origin', SPA);
      expect(response.status).toBe(200);
      expect(accessControlHeaders(response.headers)).toEqual([]);
      expect(response.headers.vary).toBeUndefined();
    });
  });

  describe('Vary', () => {
    it('carries Origin on an origin-dependent response even without an Origin header', async () => {
      const response = await running.http.get('/data');
      expect(response.headers.vary).toBe('Origin');
      expect(accessControlHeaders(response.headers)).toEqual([]);
    });

    it("sends * on a public route to requests without Origin, so a cache can serve it to any origin", async () => {
      const response = await running.http.get('/data/public');
      expect(response.headers['access-control-allow-origin']).toBe('*');
    });

    it("is appended to the route's own Vary, never replacing it", async () => {
      const response = await running.http.get('/data/lang').set('Origin', SPA);
      expect(response.headers.vary).toBe('Accept-Language, Origin');
      expect(response.headers['access-control-allow-origin']).toBe(SPA);
    });
  });
});

describe('a hook the app set with the Fastify adapter\'s setOnRequestHook() (Fastify only: an adapter method)', () => {
  (PLATFORMS.includes('fastify') ? it : it.skip).each([
    ['calls done', (_request: unknown, reply: { raw: { setHeader(name: string, value: string): void } }, done: () => void) => {
      reply.raw.setHeader('X-Own-Hook', 'ran');
      done();
    }],
    ['returns a promise', async (_request: unknown, reply: { raw: { setHeader(name: string, value: string): void } }) => {
      reply.raw.setHeader('X-Own-Hook', 'ran');
    }],
  ])('still runs, after the CORS layer, when it %s', async (_case, hook) => {
    const running = await startApp(AppModule, (app) => (app.getHttpAdapter() as unknown as { setOnRequestHook(hook: unknown): void }).setOnRequestHook(hook), 'fastify');
    try {
      const response = await running.http.get('/data').set('Origin', SPA);
      expect(response.status).toBe(200);
      expect(response.headers['x-own-hook']).toBe('ran');
      expect(response.headers['access-control-allow-origin']).toBe(SPA);
    } finally {
      await running.close();
    }
  });
});

(PLATFORMS.includes('fastify') ? describe : describe.skip)('Fastify route options the app sets (Fastify only: @RouteConfig() and @RouteConstraints() of @nestjs/platform-fastify)', () => {
  @Controller('configured')
  class ConfiguredController {
    @Get() @RouteConfig({ plan: 'gold' }) @Cors({ exposedHeaders: ['X-Plan'] })
    read(@Req() request: { routeOptions: { config: { plan?: string } } }) { return { plan: request.routeOptions.config.plan }; }

    @Get('hosted') @RouteConstraints({ host: 'api.example.test' }) @Cors({ exposedHeaders: ['X-Hosted'], maxAge: 5 }) hosted() { return ['hosted']; }
  }
  @Module({ imports: [CorsModule.forRoot({ origin: SPA })], controllers: [ConfiguredController] })
  class ConfiguredModule {}

  let running: RunningApp;
  beforeAll(async () => { running = await startApp(ConfiguredModule, undefined, 'fastify'); });
  afterAll(() => running.close());

  it("keeps the route's own config beside the library's entry", async () => {
    const response = await running.http.get('/configured').set('Origin', SPA);
    expect(response.body).toEqual({ plan: 'gold' });
    expect(response.headers['access-control-expose-headers']).toBe('X-Plan');
  });

  it("resolves a preflight with the router's own constraints (a host constraint), derived from the preflight", async () => {
    const preflight = (host: string) => running.http.options('/configured/hosted').set('Host', host).set('Origin', SPA).set('Access-Control-Request-Method', 'GET');
    const bound = await preflight('api.example.test');
    expect(bound.status).toBe(204);
    expect(bound.headers['access-control-max-age']).toBe('5');
    expect((await running.http.get('/configured/hosted').set('Host', 'api.example.test').set('Origin', SPA)).headers['access-control-expose-headers']).toBe('X-Hosted');
    // Another host: no route for any method on that path there, so the 404's global policy answers.
    const other = await preflight('other.example.test');
    expect(other.status).toBe(204);
    expect(other.headers['access-control-max-age']).toBe('600');
    expect((await running.http.get('/configured/hosted').set('Host', 'other.example.test').set('Origin', SPA)).status).toBe(404);
  });
});
