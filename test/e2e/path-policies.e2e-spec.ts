import { Controller, Get, Module, Post, type Type } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import express from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import request from 'supertest';
import { Cors, CorsModule, getCorsPolicyReport, type CorsModuleOptions, type CorsPathPolicy } from '../../src/index.js';
import { CaptureLogger } from '../security/capture-logger.js';
import { createApp, initError, PLATFORMS, startApp, type AnyApp, type Platform, type RunningApp } from './harness.js';

const SPA = 'https://app.example.com';
const MONITOR = 'https://status.example.com';
const HOOKS = 'https://hooks.example.net';
const EVIL = 'https://evil.example';

/** Everything below /webhooks/, in each platform's own route syntax. */
const WEBHOOKS: Record<Platform, string> = { express: '/webhooks/*splat', fastify: '/webhooks/*' };

@Controller('reports')
@Cors({ origin: 'https://admin.example.com' })
class ReportsController {
  @Get() list() { return []; }
  @Post() create() { return {}; }
}

@Controller('open')
class OpenController {
  @Get() list() { return []; }
}

function pathPolicies(platform: Platform): CorsPathPolicy[] {
  return [
    { path: '/health', policy: { origin: MONITOR, methods: ['GET'], maxAge: 30 } },
    { path: WEBHOOKS[platform], policy: { origin: [HOOKS], credentials: true, exposedHeaders: ['X-Delivery'] } },
    { path: '/metrics', policy: false },
    // Field by field over the global policy: the global origin, its own exposed header.
    { path: '/status', policy: { exposedHeaders: ['X-Uptime'] } },
  ];
}

function appModule(options: CorsModuleOptions, controllers: Type[] = [ReportsController, OpenController]): Type {
  @Module({ imports: [CorsModule.forRoot(options)], controllers })
  class AppModule {}
  return AppModule;
}

/** A route on the Express or Fastify instance itself, which no controller owns. */
function rawGet(app: AnyApp, path: string, body: unknown): void {
  const instance = app.getHttpAdapter().getInstance() as {
    get(path: string, handler: (request: unknown, response: { json?(body: unknown): void; send?(body: unknown): void }) => void): void;
  };
  instance.get(path, (_request, response) => (response.json ? response.json(body) : response.send!(body)));
}

/** `app.use('/webhooks', …)`: middleware that answers the request itself (Node's request and response on both platforms). */
function webhookMiddleware(app: AnyApp): void {
  (app as { use(path: string, handler: (request: IncomingMessage, response: ServerResponse, next: () => void) => void): void }).use(
    '/webhooks',
    (_request, response) => {
      response.setHeader('X-Delivery', '42');
      response.setHeader('Content-Type', 'application/json');
      response.end('{"received":true}');
    },
  );
}

function preflight(running: RunningApp, path: string, origin: string, method: string, headers?: string) {
  const request = running.http.options(path).set('Origin', origin).set('Access-Control-Request-Method', method);
  return headers === undefined ? request : request.set('Access-Control-Request-Headers', headers);
}

describe.each(PLATFORMS)('path policies: endpoints no controller owns (%s)', (platform) => {
  const logger = new CaptureLogger();
  let running: RunningApp;

  beforeAll(async () => {
    const app = await createApp(appModule({ origin: SPA, paths: pathPolicies(platform), logRefusals: 'warn' }), platform, { logger });
    rawGet(app, '/health', { ok: true });
    rawGet(app, '/metrics', { up: 1 });
    rawGet(app, '/status', { up: true });
    rawGet(app, '/elsewhere', { raw: true });
    webhookMiddleware(app);
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    running = { app, platform, url, port: Number(new URL(url).port), http: request(url), close: () => app.close() };
  });
  afterAll(() => running.close());

  describe('a raw route on the platform instance (GET /health)', () => {
    it('gives its path policy\'s origin the allow headers', async () => {
      const response = await running.http.get('/health').set('Origin', MONITOR);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ ok: true });
      expect(response.headers['access-control-allow-origin']).toBe(MONITOR);
      expect(response.headers.vary).toBe('Origin');
    });

    it.each([['the global origin, which the path policy replaces', SPA], ['a refused origin', EVIL]])('echoes nothing to %s', async (_case, origin) => {
      const response = await running.http.get('/health').set('Origin', origin);
      expect(response.status).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.headers.vary).toBe('Origin');
    });

    it('answers its preflight with the path policy', async () => {
      const allowed = await preflight(running, '/health', MONITOR, 'GET', 'x-probe');
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe(MONITOR);
      expect(allowed.headers['access-control-allow-methods']).toBe('GET');
      expect(allowed.headers['access-control-allow-headers']).toBe('x-probe');
      expect(allowed.headers['access-control-max-age']).toBe('30');
      const refused = await preflight(running, '/health', EVIL, 'GET');
      expect(refused.status).toBe(403);
      expect(refused.text).toBe('CORS preflight refused: origin not allowed');
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('gives a 404 on its path (POST: the raw route serves GET only) the path policy, so the 404 is readable', async () => {
      const response = await running.http.post('/health').set('Origin', MONITOR);
      expect(response.status).toBe(404);
      expect(response.headers['access-control-allow-origin']).toBe(MONITOR);
      const global = await running.http.post('/health').set('Origin', SPA);
      expect(global.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('logs a refusal with the path policy as the policy that decided', async () => {
      const before = logger.cors('warn').length;
      await running.http.get('/health').set('Origin', EVIL);
      expect(logger.cors('warn').slice(before)).toEqual([`Refused GET /health (policy of path policy '/health'): origin not allowed: '${EVIL}'`]);
    });
  });

  describe(`app.use('/webhooks', …) middleware, with the path policy '${WEBHOOKS[platform]}'`, () => {
    it('gives an actual POST from its origin the allow headers, credentials and exposed headers', async () => {
      const response = await running.http.post('/webhooks/github').set('Origin', HOOKS).set('Content-Type', 'application/json').send('{"zen":"ok"}');
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ received: true });
      expect(response.headers['access-control-allow-origin']).toBe(HOOKS);
      expect(response.headers['access-control-allow-credentials']).toBe('true');
      expect(response.headers['access-control-expose-headers']).toBe('X-Delivery');
    });

    it('echoes nothing to a refused origin, and the middleware still answers', async () => {
      const response = await running.http.post('/webhooks/github').set('Origin', EVIL).set('Content-Type', 'application/json').send('{}');
      expect(response.status).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('answers the preflight of a JSON POST with the path policy, before the middleware runs', async () => {
      const allowed = await preflight(running, '/webhooks/github', HOOKS, 'POST', 'content-type');
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe(HOOKS);
      expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      expect(allowed.headers['access-control-allow-headers']).toBe('content-type');
      expect(allowed.headers['x-delivery']).toBeUndefined();
      const refused = await preflight(running, '/webhooks/github', SPA, 'POST', 'content-type');
      expect(refused.status).toBe(403);
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  it('policy: false switches CORS off for its path: no CORS headers, preflights refused', async () => {
    const actual = await running.http.get('/metrics').set('Origin', SPA);
    expect(actual.status).toBe(200);
    expect(Object.keys(actual.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
    const refused = await preflight(running, '/metrics', SPA, 'GET');
    expect(refused.status).toBe(403);
    expect(refused.text).toBe('CORS preflight refused: CORS is disabled for this route');
  });

  it('merges a path policy over the global policy field by field: the global origin, its own exposed headers', async () => {
    const response = await running.http.get('/status').set('Origin', SPA);
    expect(response.headers['access-control-allow-origin']).toBe(SPA);
    expect(response.headers['access-control-expose-headers']).toBe('X-Uptime');
  });

  describe('what path policies leave alone', () => {
    it.each([
      ['a raw route that no path policy covers', '/elsewhere', 200],
      ['an unknown path (the 404 stays readable)', '/nowhere', 404],
      ['a path beside a pattern (/webhooks-archive is not below /webhooks/)', '/webhooks-archive', 404],
    ])('%s keeps the global policy', async (_case, path, status) => {
      const response = await running.http.get(path).set('Origin', SPA);
      expect(response.status).toBe(status);
      expect(response.headers['access-control-allow-origin']).toBe(SPA);
      expect(response.headers['access-control-expose-headers']).toBeUndefined();
      const fromMonitor = await running.http.get(path).set('Origin', MONITOR);
      expect(fromMonitor.headers['access-control-allow-origin']).toBeUndefined();
      const answered = await preflight(running, path, SPA, 'PATCH');
      expect(answered.status).toBe(path === '/elsewhere' ? 403 : 204); // a raw GET route: no PATCH route for the path
    });

    it('controller routes keep their own policy, and their preflights too', async () => {
      const response = await running.http.get('/reports').set('Origin', 'https://admin.example.com');
      expect(response.headers['access-control-allow-origin']).toBe('https://admin.example.com');
      const open = await running.http.get('/open').set('Origin', SPA);
      expect(open.headers['access-control-allow-origin']).toBe(SPA);
      const answered = await preflight(running, '/reports', HOOKS, 'POST');
      expect(answered.status).toBe(403);
    });
  });

  it('shows each path policy in the policy report, after the routes, for every method', () => {
    const report = getCorsPolicyReport(running.app);
    expect(report.map((entry) => `${entry.method} ${entry.path} (${entry.handler})`)).toEqual([
      'GET /reports (ReportsController.list)',
      'POST /reports (ReportsController.create)',
      'GET /open (OpenController.list)',
      "ALL /health (path policy '/health')",
      `ALL ${WEBHOOKS[platform]} (path policy '${WEBHOOKS[platform]}')`,
      "ALL /metrics (path policy '/metrics')",
      "ALL /status (path policy '/status')",
    ]);
    expect(report[3]).toMatchObject({ origin: [MONITOR], methods: ['GET'], maxAge: 30, sources: { origin: "path policy '/health'", maxAge: "path policy '/health'", credentials: 'default' } });
    expect(report[5].enabled).toBe(false);
    expect(report[6]).toMatchObject({ origin: [SPA], exposedHeaders: ['X-Uptime'], sources: { origin: 'global', exposedHeaders: "path policy '/status'" } });
  });

  it('logs each path policy at start-up with the routes, at debug level', () => {
    const lines = logger.cors('debug');
    expect(lines).toContain("ALL /metrics (path policy '/metrics'): CORS disabled (by policy: false)");
    expect(lines.some((line) => line.startsWith("ALL /health (path policy '/health'): origin [https://status.example.com] from path policy '/health'"))).toBe(true);
  });
});

describe.each(PLATFORMS)('path policies: order and matching (%s)', (platform) => {
  let running: RunningApp;
  const WILDCARD = platform === 'express' ? '/files/*splat' : '/files/*';
  beforeAll(async () => {
    running = await startApp(
      appModule({
        origin: SPA,
        paths: [
          { path: '/files/public', policy: { origin: '*' } },
          { path: WILDCARD, policy: { origin: MONITOR } },
          { path: '/files/:name', policy: { origin: HOOKS } },
        ],
      }),
      (app) => {
        rawGet(app, '/files/public', 'public');
        rawGet(app, '/files/report.pdf', 'report');
      },
      platform,
    );
  });
  afterAll(() => running.close());

  it.each([
    ['the first path policy in the list whose pattern matches applies (static)', '/files/public', MONITOR, '*'],
    ['the first path policy in the list whose pattern matches applies (wildcard before a parameter)', '/files/report.pdf', MONITOR, MONITOR],
    ['a query string is not part of the path', '/files/report.pdf?download=1', MONITOR, MONITOR],
  ])('%s', async (_case, path, origin, expected) => {
    const response = await running.http.get(path).set('Origin', origin);
    expect(response.headers['access-control-allow-origin']).toBe(expected);
  });
});

describe.each(PLATFORMS)("path policies read letter case and trailing slashes as the platform's router is configured to (%s)", (platform) => {
  /** Express's `case sensitive routing` and `strict routing`; Fastify's `caseSensitive` and `ignoreTrailingSlash`. */
  async function start(exact: boolean): Promise<RunningApp> {
    const module = appModule({ origin: SPA, paths: [{ path: '/health', policy: { origin: MONITOR } }] }, []);
    let app: AnyApp;
    if (platform === 'fastify') {
      const { FastifyAdapter } = await import('@nestjs/platform-fastify');
      const adapter = new FastifyAdapter({ routerOptions: { caseSensitive: exact, ignoreTrailingSlash: !exact } } as never);
      app = await NestFactory.create<NestFastifyApplication>(module, adapter, { logger: false });
    } else {
      const instance = express();
      instance.set('case sensitive routing', exact);
      instance.set('strict routing', exact);
      app = await NestFactory.create<NestExpressApplication>(module, new ExpressAdapter(instance), { logger: false });
    }
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    return { app, platform, url, port: Number(new URL(url).port), http: request(url), close: () => app.close() };
  }

  it.each([
    ['lenient', false, MONITOR],
    ['exact', true, undefined],
  ])('%s routing: /HEALTH/ is /health for the pattern only where the router says so', async (_case, exact, expected) => {
    const running = await start(exact);
    try {
      for (const path of ['/HEALTH', '/health/']) {
        const response = await running.http.get(path).set('Origin', MONITOR);
        expect(response.status).toBe(404);
        expect(response.headers['access-control-allow-origin']).toBe(expected);
      }
      expect((await running.http.get('/health').set('Origin', MONITOR)).headers['access-control-allow-origin']).toBe(MONITOR);
    } finally {
      await running.close();
    }
  });
});

describe.each(PLATFORMS)('path policies from forRootAsync with ConfigService (%s)', (platform) => {
  let running: RunningApp;
  beforeAll(async () => {
    @Module({
      imports: [
        CorsModule.forRootAsync({
          imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ CORS_ORIGINS: SPA, MONITOR_ORIGIN: MONITOR })] })],
          inject: [ConfigService],
          useFactory: (config: ConfigService): CorsModuleOptions => ({
            origin: config.getOrThrow<string>('CORS_ORIGINS'),
            paths: [{ path: '/health', policy: { origin: config.getOrThrow<string>('MONITOR_ORIGIN') } }],
          }),
        }),
      ],
      controllers: [OpenController],
    })
    class AppModule {}
    running = await startApp(AppModule, (app) => rawGet(app, '/health', { ok: true }), platform);
  });
  afterAll(() => running.close());

  it('applies the path policy read from configuration, and the global policy elsewhere', async () => {
    expect((await running.http.get('/health').set('Origin', MONITOR)).headers['access-control-allow-origin']).toBe(MONITOR);
    expect((await running.http.get('/health').set('Origin', SPA)).headers['access-control-allow-origin']).toBeUndefined();
    expect((await running.http.get('/open').set('Origin', SPA)).headers['access-control-allow-origin']).toBe(SPA);
    expect((await preflight(running, '/health', MONITOR, 'GET')).status).toBe(204);
  });
});

describe.each(PLATFORMS)('path policies: mistakes fail app.init() and say what to write (%s)', (platform) => {
  @Controller('reports')
  class ItemsController {
    @Get() list() { return []; }
    @Get(':id') find() { return {}; }
  }
  @Controller()
  class PagesController {
    @Get('pages/:slug') page() { return ''; }
  }

  async function failure(paths: unknown, controllers: Type[] = [ItemsController, PagesController], configure?: (app: AnyApp) => void) {
    const error = await initError(appModule({ origin: SPA, paths: paths as CorsPathPolicy[] }, controllers), configure as never, platform);
    expect(error.name).toBe('CorsConfigurationError');
    return error.message;
  }

  it('a pattern that covers a controller route names the path policy, the route, and what to write instead', async () => {
    const pattern = platform === 'express' ? '/reports/*splat' : '/reports/*';
    expect(await failure([{ path: pattern, policy: { origin: MONITOR } }])).toBe(
      `path policy '${pattern}': path '${pattern}' covers GET /reports/:id, a route of ItemsController.find, which keeps its own policy ` +
        '(path policies apply only where no controller route serves): give that route its policy with @Cors({ … }) on ItemsController ' +
        'or on ItemsController.find, and narrow the path so that it matches no controller route',
    );
  });

  it.each([
    ['the exact path of a controller route', '/reports', 'GET /reports, a route of ItemsController.list'],
    ['a path a parameterised controller route serves (its own matcher reads the pattern as a path)', '/pages/about', 'GET /pages/:slug, a route of PagesController.page'],
    ['a parameter over a controller route\'s literal path', '/pages/:anything', 'GET /pages/:slug, a route of PagesController.page'],
  ])('refuses %s', async (_case, path, route) => {
    expect(await failure([{ path, policy: { origin: MONITOR } }])).toContain(`path policy '${path}': path '${path}' covers ${route}`);
  });

  it('a route with the global prefix: the pattern is matched against the whole path', async () => {
    const message = await failure([{ path: '/api/reports', policy: false }], [ItemsController], (app) => app.setGlobalPrefix('api'));
    expect(message).toContain("covers GET /api/reports, a route of ItemsController.list");
    // Without the prefix, '/reports' is no route's path: allowed.
    const app = await createApp(appModule({ origin: SPA, paths: [{ path: '/reports', policy: false }] }, [ItemsController]), platform, { logger: false });
    app.setGlobalPrefix('api');
    await app.init();
    await app.close();
  });

  const invalid: Record<Platform, Array<[string, string, RegExp]>> = {
    express: [
      ['an unnamed wildcard (Fastify syntax)', '/webhooks/*', /path '\/webhooks\/\*' is not a path pattern the Express router accepts \(Missing parameter name at index \d+.*\): write '\/webhooks\/\*splat', or write it as a route of app\.get\(\) on Express 5 \(path-to-regexp 8\)/],
      ['a regular expression in a parameter', '/items/:id(\\d+)', /is not a path pattern the Express router accepts \(Unexpected \( at index \d+.*write '\/items\/:id'/],
    ],
    fastify: [
      ['a named wildcard (Express syntax)', '/webhooks/*splat', /path '\/webhooks\/\*splat' is not a path pattern the Fastify router accepts \(Wildcard must be the last character in the route\): write '\/webhooks\/\*', or write it as a route of fastify\.get\(\) \(find-my-way\)/],
      ['an optional wildcard group (Express syntax)', '/static{/*path}', /is not a path pattern the Fastify router accepts.*write '\/static\/\*'/],
    ],
  };
  it.each(invalid[platform])(`refuses %s, in the syntax of ${platform}'s router`, async (_case, path, message) => {
    const error = await failure([{ path, policy: { origin: MONITOR } }], []);
    expect(error.startsWith(`path policy '${path}': `)).toBe(true);
    expect(error).toMatch(message);
  });

  it.each<[string, unknown, RegExp]>([
    ['paths that is not a list', { path: '/graphql' }, /^global: paths \{ path: '\/graphql' \} is not a list of \{ path, policy \}: write paths: \[\{ path: '\/graphql', policy: \{ origin: \['https:\/\/app\.example\.com'\] \} \}\]$/],
    ['a path without a leading slash', [{ path: 'graphql', policy: {} }], /^paths\[0\]: path 'graphql' is not a path pattern that starts with '\/': write e\.g\. path: '\/graphql'$/],
    ['a missing policy', [{ path: '/graphql' }], /^path policy '\/graphql': policy undefined is not the options of @Cors\(\) or false: write policy: \{ origin:/],
    ['options beside path instead of inside policy', [{ path: '/graphql', origin: MONITOR }], /^path policy '\/graphql': origin 'https:\/\/status\.example\.com' is not a key of a path policy, which has only path and policy: put the options inside policy: \{ path: '\/graphql', policy: \{ origin: … \} \}$/],
    ['the same path twice', [{ path: '/graphql', policy: {} }, { path: '/graphql', policy: false }], /^path policy '\/graphql': path '\/graphql' is listed twice: merge the two entries into one$/],
    ['an unsafe policy, named by its path', [{ path: '/graphql', policy: { origin: '*', credentials: true } }], /^path policy '\/graphql': origin '\*' cannot be used with credentials: true/],
    ['credentials from a path policy beside the global wildcard', [{ path: '/graphql', policy: { credentials: true } }], /^path policy '\/graphql': origin '\*' from global cannot be used with credentials: true from path policy '\/graphql'/],
  ])('refuses %s', async (_case, paths, message) => {
    const global = _case.startsWith('credentials') ? { origin: '*', paths } : { origin: SPA, paths };
    const error = await initError(appModule(global as CorsModuleOptions, []), undefined, platform);
    expect(error.name).toBe('CorsConfigurationError');
    expect(error.message).toMatch(message);
  });
});
