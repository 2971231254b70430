import { Controller, Get, Module } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import cors from 'cors';
import request from 'supertest';
import { Cors, CorsModule, CorsSetupError, type CorsModuleOptions } from '../../src/index.js';
import { CaptureLogger } from '../security/capture-logger.js';
import { createApp, PLATFORMS, initError, startApp } from './harness.js';

const APP = 'https://a.com';

@Controller('reports')
class ReportsController {
  @Get() list() { return []; }
  @Get('private') @Cors({ origin: APP, credentials: true }) mine() { return []; }
}

@Module({ imports: [CorsModule.forRoot({ origin: APP })], controllers: [ReportsController] })
class AppModule {}

describe.each(PLATFORMS)('app.enableCors() beside CorsModule is refused, whichever comes first (%s)', (platform) => {
  const removeIt = /Remove it, and move its options into CorsModule\.forRoot/;

  // With abortOnError (the default), Nest logs the error and exits the process instead of throwing.
  it('app.enableCors() before app.init()', async () => {
    const app = await createApp(AppModule, platform, { logger: false, abortOnError: false });
    try {
      expect(() => app.enableCors()).toThrow(CorsSetupError);
      expect(() => app.enableCors({ origin: '*' })).toThrow(removeIt);
    } finally {
      await app.close();
    }
  });

  it('app.enableCors() after app.init()', async () => {
    const app = await createApp(AppModule, platform, { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    try {
      expect(() => app.enableCors()).toThrow(removeIt);
      // Nothing was registered: the route policies still answer.
      const response = await request((await app.getUrl()).replace('[::1]', '127.0.0.1')).get('/reports/private').set('Origin', 'https://evil.example');
      expect(response.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it.each([
    ['NestFactory.create(…, { cors: true })', true],
    ['NestFactory.create(…, { cors: { origin: "*" } })', { origin: '*' }],
  ])('%s fails app.init()', async (_case, option) => {
    const app = await createApp(AppModule, platform, { logger: false, abortOnError: false, cors: option });
    try {
      await expect(app.init()).rejects.toThrow(removeIt);
    } finally {
      await app.close().catch(() => undefined);
    }
  });

  (platform === 'express' ? it : it.skip)("the 'cors' middleware registered on the Express instance before app.init() (Express only: the 'cors' package is Express middleware)", async () => {
    const error = await initError(AppModule, (app) => (app as NestExpressApplication).use(cors()), platform);
    expect(error).toBeInstanceOf(CorsSetupError);
    expect(error.message).toMatch(/Found: the 'cors' middleware/);
  });

  (platform === 'fastify' ? it : it.skip).each([['awaited', true], ['not awaited, so it loads as the app starts', false]])('@fastify/cors registered with app.register(), %s, fails app.listen() (Fastify only: a Fastify plugin)', async (_case, awaited) => {
    const { default: fastifyCors } = await import('@fastify/cors');
    const app = await createApp(AppModule, platform, { logger: false, abortOnError: false });
    try {
      const registered = (app as NestFastifyApplication).register(fastifyCors as never);
      if (awaited) await registered;
      const started = app.listen(0, '127.0.0.1');
      await expect(started).rejects.toThrow(CorsSetupError);
      await expect(started).rejects.toThrow(/Found: @fastify\/cors \(app\.register\(\)\)/);
    } finally {
      await app.close().catch(() => undefined);
    }
  });
});

describe.each(PLATFORMS)('CorsModule.forRoot() imported twice is refused, naming both importers (%s)', (platform) => {
  @Module({ imports: [CorsModule.forRoot({ origin: 'https://b.com' })], controllers: [ReportsController] })
  class ReportsModule {}
  @Module({ imports: [CorsModule.forRoot({ origin: APP }), ReportsModule] })
  class RootModule {}

  it('fails app.init() with both module names', async () => {
    const error = await initError(RootModule, undefined, platform);
    expect(error).toBeInstanceOf(CorsSetupError);
    expect(error.message).toMatch(/imported 2 times \(by (ReportsModule and RootModule|RootModule and ReportsModule)\)/);
    expect(error.message).toMatch(/Import it once, in the root module/);
  });

  it('one forRoot() imported by two modules is one module, and fine', async () => {
    const shared = CorsModule.forRoot({ origin: APP });
    @Module({ imports: [shared], controllers: [ReportsController] })
    class FeatureModule {}
    @Module({ imports: [shared, FeatureModule] })
    class SharedRoot {}
    const running = await startApp(SharedRoot, undefined, platform);
    try {
      expect((await running.http.get('/reports').set('Origin', APP)).headers['access-control-allow-origin']).toBe(APP);
    } finally {
      await running.close();
    }
  });
});

describe.each(PLATFORMS)('a global policy that allows no origin logs one warning at start-up (%s)', (platform) => {
  async function warnings(options: CorsModuleOptions, controllers: Array<new () => unknown> = [ReportsController]) {
    @Module({ imports: [CorsModule.forRoot(options)], controllers })
    class NoOriginModule {}
    const logger = new CaptureLogger();
    const app = await createApp(NoOriginModule, platform, { logger: ['warn', 'error'] });
    app.useLogger(logger);
    await app.init();
    await app.close();
    return logger.cors('warn');
  }

  it.each([
    ['forRoot({})', {}, /the global origin is not set, so 1 route refuse/],
    ["an empty CORS_ORIGINS ('')", { origin: '' }, /the global origin is '', so 1 route refuse/],
    ['an empty list', { origin: [] }, /the global origin is \[\], so 1 route refuse/],
  ])('%s', async (_case, options, line) => {
    const lines = await warnings(options);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(lines[0]).toMatch(/Set it in CorsModule\.forRoot\(\{ origin: /);
  });

  it('is silent for an explicit origin: false, and when every route lists its own', async () => {
    expect(await warnings({ origin: false })).toEqual([]);
    @Controller('own')
    @Cors({ origin: APP })
    class OwnController {
      @Get() list() { return []; }
    }
    expect(await warnings({}, [OwnController])).toEqual([]);
  });
});

describe.each(PLATFORMS)('timingAllowOrigin (%s)', (platform) => {
  @Controller('timed')
  class TimedController {
    @Get() @Cors({ timingAllowOrigin: true }) timed() { return []; }
    @Get('plain') plain() { return []; }
  }
  @Module({ imports: [CorsModule.forRoot({ origin: APP })], controllers: [TimedController] })
  class TimedModule {}

  it('sends Timing-Allow-Origin with the granted origin, only where it is on, never to a refused origin', async () => {
    const running = await startApp(TimedModule, undefined, platform);
    try {
      const granted = await running.http.get('/timed').set('Origin', APP);
      expect(granted.headers['timing-allow-origin']).toBe(APP);
      expect((await running.http.get('/timed').set('Origin', 'https://evil.example')).headers['timing-allow-origin']).toBeUndefined();
      expect((await running.http.get('/timed/plain').set('Origin', APP)).headers['timing-allow-origin']).toBeUndefined();
      expect((await request(running.url).get('/timed')).headers['timing-allow-origin']).toBeUndefined();
    } finally {
      await running.close();
    }
  });
});
