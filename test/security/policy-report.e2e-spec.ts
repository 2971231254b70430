import { Controller, Get, Module, Post } from '@nestjs/common';
import { Cors, CorsModule, getCorsPolicyReport } from '../../src/index.js';
import { createApp, PLATFORMS, type AnyApp, type Platform } from '../e2e/harness.js';
import { CaptureLogger } from './capture-logger.js';

@Controller('reports')
@Cors({ credentials: true })
class ReportsController {
  @Get() list() { return []; }
  @Post() @Cors({ origin: 'https://admin.example.com', exposedHeaders: ['Location'] }) create() { return {}; }
}

@Controller('public')
class PublicController {
  @Get() @Cors({ origin: '*' }) status() { return {}; }
  @Get('off') @Cors(false) off() { return {}; }
}

@Controller('tenants')
@Cors({ origin: 'https://*.example.com', credentials: true })
class TenantsController {
  @Get() list() { return []; }
}

describe.each(PLATFORMS)('the effective-policy report (%s)', (platform) => {
  const logger = new CaptureLogger();
  let app: AnyApp;

  beforeAll(async () => {
    @Module({
      imports: [CorsModule.forRoot({ origin: ['https://app.example.com'], maxAge: 300 })],
      controllers: [ReportsController, PublicController, TenantsController],
    })
    class AppModule {}
    app = await createApp(AppModule, platform, { logger });
    app.setGlobalPrefix('api');
    await app.init();
  });
  afterAll(() => app.close());

  it('lists every route with its full path, its policy and where each field came from', () => {
    const report = getCorsPolicyReport(app);
    expect(report.map((route) => `${route.method} ${route.path}`)).toEqual([
      'GET /api/reports',
      'POST /api/reports',
      'GET /api/public',
      'GET /api/public/off',
      'GET /api/tenants',
    ]);
    const create = report.find((route) => route.handler === 'ReportsController.create')!;
    expect(create).toMatchObject({
      enabled: true,
      origin: ['https://admin.example.com'],
      credentials: true,
      exposedHeaders: ['Location'],
      maxAge: 300,
      sources: { origin: 'ReportsController.create', credentials: 'ReportsController', maxAge: 'global', methods: 'default', exposedHeaders: 'ReportsController.create' },
    });
    expect(report.find((route) => route.handler === 'PublicController.off')!.enabled).toBe(false);
  });

  it('lets a test assert a rule over the whole app: no credentials from a wildcard pattern', () => {
    const offenders = getCorsPolicyReport(app).filter(
      (route) => route.enabled && route.credentials && route.origin.some((origin) => origin.includes('*')),
    );
    expect(offenders.map((route) => route.handler)).toEqual(['TenantsController.list']);
  });

  it('is logged at start-up at debug level, one line per route', () => {
    const lines = logger.cors('debug');
    expect(lines).toHaveLength(5);
    expect(lines[1]).toBe(
      'POST /api/reports (ReportsController.create): origin [https://admin.example.com] from ReportsController.create, ' +
        'credentials true from ReportsController, methods [GET, HEAD, PUT, PATCH, POST, DELETE] from default, ' +
        'allowedHeaders * from default, exposedHeaders [Location] from ReportsController.create, maxAge 300 from global, ' +
        'allowPrivateNetwork false from default',
    );
    expect(lines[3]).toBe('GET /api/public/off (PublicController.off): CORS disabled (by @Cors(false))');
  });
});
