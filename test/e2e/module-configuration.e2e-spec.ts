import { Controller, Get, Injectable, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Cors, CorsModule, type CorsModuleOptions, type CorsOptionsFactory } from '../../src/index.js';
import { PLATFORMS, startApp, type RunningApp } from './harness.js';

const SPA = 'http://localhost:5173';
const ADMIN = 'https://admin.example.com';
const PARTNER = 'https://partner.example.net';

@Controller('reports')
@Cors({ origin: ADMIN, credentials: true })
class ReportsController {
  @Get() list() { return []; }
  @Get('count') @Cors({ exposedHeaders: ['X-Total-Count'] }) count() { return 1; }
  @Get('partner') @Cors({ origin: PARTNER }) partner() { return []; }
}

@Controller('internal')
@Cors(false)
class InternalController {
  @Get() hidden() { return []; }
  @Get('status') @Cors({ maxAge: 60 }) status() { return 'ok'; }
}

@Controller('open')
class OpenController {
  @Get() list() { return []; }
}

const controllers = [ReportsController, InternalController, OpenController];

describe.each(PLATFORMS)('forRootAsync with ConfigService: the policy comes from the environment (%s)', (platform) => {
  let running: RunningApp;
  beforeAll(async () => {
    @Module({
      imports: [
        CorsModule.forRootAsync({
          imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ CORS_ORIGINS: `${SPA}, ${PARTNER}` })] })],
          inject: [ConfigService],
          useFactory: (config: ConfigService): CorsModuleOptions => ({ origin: config.getOrThrow<string>('CORS_ORIGINS') }),
        }),
      ],
      controllers,
    })
    class AppModule {}
    running = await startApp(AppModule, undefined, platform);
  });
  afterAll(() => running.close());

  it.each([
    ['a comma-separated origin list from the environment: first', '/open', SPA, SPA],
    ['a comma-separated origin list from the environment: second', '/open', PARTNER, PARTNER],
    ['an origin not in the list', '/open', ADMIN, undefined],
  ])('%s', async (_rule, path, origin, expected) => {
    const response = await running.http.get(path).set('Origin', origin);
    expect(response.headers['access-control-allow-origin']).toBe(expected);
  });
});

describe.each(PLATFORMS)('precedence: handler over controller over global, field by field (%s)', (platform) => {
  let running: RunningApp;
  beforeAll(async () => {
    @Module({ imports: [CorsModule.forRoot({ origin: SPA, exposedHeaders: ['X-Request-Id'] })], controllers })
    class AppModule {}
    running = await startApp(AppModule, undefined, platform);
  });
  afterAll(() => running.close());

  it("a controller's origin and credentials replace the global ones", async () => {
    const response = await running.http.get('/reports').set('Origin', ADMIN);
    expect(response.headers['access-control-allow-origin']).toBe(ADMIN);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(response.headers['access-control-expose-headers']).toBe('X-Request-Id');
    expect((await running.http.get('/reports').set('Origin', SPA)).headers['access-control-allow-origin']).toBeUndefined();
  });

  it("a handler's exposedHeaders keeps the controller's origin and credentials", async () => {
    const response = await running.http.get('/reports/count').set('Origin', ADMIN);
    expect(response.headers['access-control-allow-origin']).toBe(ADMIN);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(response.headers['access-control-expose-headers']).toBe('X-Total-Count');
  });

  it("a handler's origin replaces the controller's", async () => {
    const partner = await running.http.get('/reports/partner').set('Origin', PARTNER);
    expect(partner.headers['access-control-allow-origin']).toBe(PARTNER);
    expect(partner.headers['access-control-allow-credentials']).toBe('true');
    const admin = await running.http.get('/reports/partner').set('Origin', ADMIN);
    expect(admin.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('@Cors(false) on a controller switches CORS off for its handlers', async () => {
    const response = await running.http.get('/internal').set('Origin', SPA);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await running.http.options('/internal').set('Origin', SPA).set('Access-Control-Request-Method', 'GET');
    expect(preflight.status).toBe(403);
  });

  it('a handler @Cors({...}) under a @Cors(false) controller switches it on again over the global default', async () => {
    const preflight = await running.http.options('/internal/status').set('Origin', SPA).set('Access-Control-Request-Method', 'GET');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(SPA);
    expect(preflight.headers['access-control-max-age']).toBe('60');
  });
});

describe.each(PLATFORMS)('forRootAsync with useClass (%s)', (platform) => {
  @Injectable()
  class CorsConfig implements CorsOptionsFactory {
    createCorsOptions(): CorsModuleOptions {
      return { origin: [PARTNER] };
    }
  }

  it('reads the policy from the factory class', async () => {
    @Module({ imports: [CorsModule.forRootAsync({ useClass: CorsConfig })], controllers })
    class AppModule {}
    const running = await startApp(AppModule, undefined, platform);
    try {
      const response = await running.http.get('/open').set('Origin', PARTNER);
      expect(response.headers['access-control-allow-origin']).toBe(PARTNER);
    } finally {
      await running.close();
    }
  });
});

describe.each(PLATFORMS)('two apps in one process (%s)', (platform) => {
  it('never share a policy', async () => {
    @Module({ imports: [CorsModule.forRoot({ origin: SPA })], controllers })
    class FirstModule {}
    @Module({ imports: [CorsModule.forRoot({ origin: PARTNER })], controllers })
    class SecondModule {}
    const first = await startApp(FirstModule, undefined, platform);
    const second = await startApp(SecondModule, undefined, platform);
    try {
      expect((await first.http.get('/open').set('Origin', SPA)).headers['access-control-allow-origin']).toBe(SPA);
      expect((await first.http.get('/open').set('Origin', PARTNER)).headers['access-control-allow-origin']).toBeUndefined();
      expect((await second.http.get('/open').set('Origin', PARTNER)).headers['access-control-allow-origin']).toBe(PARTNER);
      expect((await second.http.get('/open').set('Origin', SPA)).headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe.each(PLATFORMS)('the default policy (%s)', (platform) => {
  it('allows no origin until origins are listed', async () => {
    @Module({ imports: [CorsModule.forRoot()], controllers })
    class AppModule {}
    const running = await startApp(AppModule, undefined, platform);
    try {
      const response = await running.http.get('/open').set('Origin', SPA);
      expect(response.status).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await running.close();
    }
  });
});
