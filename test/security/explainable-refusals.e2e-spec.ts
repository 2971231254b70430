import { All, Controller, Get, Module, Put } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule, type CorsModuleOptions } from '../../src/index.js';
import { createApp, PLATFORMS, type AnyApp, type Platform } from '../e2e/harness.js';
import { CaptureLogger } from './capture-logger.js';

const APP = 'https://app.example.com';

@Controller('reports')
class ReportsController {
  @Get() list() { return []; }
  @Put(':id') @Cors({ origin: APP, allowedHeaders: ['Content-Type'] }) update() { return {}; }
  @Get('closed') @Cors(false) closed() { return {}; }
  @All('any') any() { return {}; }
}

async function start(options: CorsModuleOptions, logger: CaptureLogger, platform: Platform) {
  @Module({ imports: [CorsModule.forRoot(options)], controllers: [ReportsController] })
  class AppModule {}
  const app = await createApp(AppModule, platform, { logger });
  await app.listen(0, '127.0.0.1');
  return { app, http: request((await app.getUrl()).replace('[::1]', '127.0.0.1')) };
}

describe.each(PLATFORMS)('explainable refusals: one log line per refusal, none for allowed requests (%s)', (platform) => {
  const logger = new CaptureLogger();
  let app: AnyApp;
  let http: ReturnType<typeof request>;
  beforeAll(async () => ({ app, http } = await start({ origin: APP }, logger, platform)));
  afterAll(() => app.close());
  beforeEach(() => logger.clear());

  it.each([
    [
      'an origin refused on a preflight, with the route, the policy source and the value',
      () => http.options('/reports/7').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'PUT'),
      "Refused preflight for PUT /reports/7 (policy of ReportsController.update): origin not allowed: 'https://evil.example'",
    ],
    [
      'a request header refused on a preflight, naming the header',
      () => http.options('/reports/7').set('Origin', APP).set('Access-Control-Request-Method', 'PUT').set('Access-Control-Request-Headers', 'content-type, x-secret'),
      "Refused preflight for PUT /reports/7 (policy of ReportsController.update): request header not allowed: 'x-secret'",
    ],
    [
      'a method the policy does not allow, on a preflight',
      () => http.options('/reports/any').set('Origin', APP).set('Access-Control-Request-Method', 'PROPFIND'),
      "Refused preflight for PROPFIND /reports/any (policy of global): method not allowed: 'PROPFIND'",
    ],
    [
      'a method no route of the path serves, on a preflight: no policy decided',
      () => http.options('/reports').set('Origin', APP).set('Access-Control-Request-Method', 'PROPFIND'),
      'Refused preflight for PROPFIND /reports: method not allowed: no PROPFIND route for /reports',
    ],
    [
      'an origin refused on an actual request',
      () => http.get('/reports').set('Origin', 'https://evil.example'),
      "Refused GET /reports (policy of global): origin not allowed: 'https://evil.example'",
    ],
    [
      'a route with @Cors(false)',
      () => http.get('/reports/closed').set('Origin', APP),
      'Refused GET /reports/closed (policy of ReportsController.closed): CORS is disabled for this route',
    ],
  ])('%s', async (_case, send, line) => {
    await send();
    expect(logger.cors('debug')).toEqual([line]);
  });

  it('logs nothing for allowed requests and preflights', async () => {
    await http.get('/reports').set('Origin', APP);
    await http.options('/reports/7').set('Origin', APP).set('Access-Control-Request-Method', 'PUT');
    await http.get('/reports');
    expect(logger.cors()).toEqual([]);
  });

  it('cuts a long value short in the log line', async () => {
    await http.get('/reports').set('Origin', `https://${'a'.repeat(5000)}.example`);
    const [line] = logger.cors('debug');
    expect(line.length).toBeLessThan(300);
    expect(line).toContain('(5016 characters)');
  });
});

describe.each(PLATFORMS)("logRefusals: 'warn' for development, false for silence (%s)", (platform) => {
  it("logs refusals at warn with logRefusals: 'warn'", async () => {
    const logger = new CaptureLogger();
    const { app, http } = await start({ origin: APP, logRefusals: 'warn' }, logger, platform);
    try {
      await http.get('/reports').set('Origin', 'https://evil.example');
      expect(logger.cors('warn')).toEqual(["Refused GET /reports (policy of global): origin not allowed: 'https://evil.example'"]);
    } finally {
      await app.close();
    }
  });

  it('logs nothing with logRefusals: false', async () => {
    const logger = new CaptureLogger();
    const { app, http } = await start({ origin: APP, logRefusals: false }, logger, platform);
    try {
      logger.clear();
      await http.get('/reports').set('Origin', 'https://evil.example');
      expect(logger.cors().filter((line) => line.startsWith('Refused'))).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
