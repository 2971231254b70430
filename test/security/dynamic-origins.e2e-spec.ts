import { Controller, Get, Module } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../src/index.js';
import { createApp, PLATFORMS, type AnyApp, type Platform } from '../e2e/harness.js';
import { CaptureLogger } from './capture-logger.js';

const APP = 'https://app.example.com';
const calls: string[] = [];
let release: () => void = () => {};

@Controller()
class OriginsController {
  @Get('throws') @Cors({ origin: () => { throw new Error('database down'); } }) throws() { return 'ok'; }
  @Get('rejects') @Cors({ origin: async () => { throw new Error('connection reset'); } }) rejects() { return 'ok'; }
  @Get('hangs') @Cors({ origin: () => new Promise<boolean>((resolve) => { release = () => resolve(true); }), originTimeout: 100 }) hangs() { return 'ok'; }
  @Get('answers-yes') @Cors({ origin: async () => 'yes' as never }) answersYes() { return 'ok'; }
  @Get('database')
  @Cors({ origin: async (origin) => { calls.push(origin); return origin.endsWith('.tenant.example'); }, originCache: { size: 2, ttl: 60_000 } })
  database() { return 'ok'; }
  @Get('uncached') @Cors({ origin: async (origin) => { calls.push(origin); return origin === APP; } }) uncached() { return 'ok'; }
}

@Module({ imports: [CorsModule.forRoot({ origin: APP })], controllers: [OriginsController] })
class AppModule {}

describe.each(PLATFORMS)('fail-closed dynamic origins (%s)', (platform) => {
  const logger = new CaptureLogger();
  let app: AnyApp;
  let http: ReturnType<typeof request>;
  beforeAll(async () => {
    app = await createApp(AppModule, platform, { logger });
    await app.listen(0, '127.0.0.1');
    http = request((await app.getUrl()).replace('[::1]', '127.0.0.1'));
  });
  afterAll(() => app.close());
  beforeEach(() => {
    logger.clear();
    calls.length = 0;
  });

  it.each([
    ['throws', 'database down'],
    ['rejects', 'connection reset'],
    ['answers-yes', 'returned string, not a boolean'],
    ['hangs', 'no answer within 100 ms'],
  ])('refuses the origin when the function %s, logs the error, and keeps serving', async (path, reason) => {
    const response = await http.get(`/${path}`).set('Origin', APP);
    expect(response.status).toBe(200);
    expect(response.text).toBe('ok');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(logger.cors('error')).toEqual([expect.stringContaining(`${reason}`)]);
    expect(logger.cors('error')[0]).toContain(`OriginsController.${path.replace(/-(\w)/, (_, c: string) => c.toUpperCase())}`);
    release();
  });

  it('refuses a preflight whose origin function fails', async () => {
    const response = await http.options('/throws').set('Origin', APP).set('Access-Control-Request-Method', 'GET');
    expect(response.status).toBe(403);
  });

  it('remembers answers within the ttl, for at most size origins', async () => {
    const ask = async (origin: string) => (await http.get('/database').set('Origin', origin)).headers['access-control-allow-origin'];
    expect(await ask('https://a.tenant.example')).toBe('https://a.tenant.example');
    expect(await ask('https://a.tenant.example')).toBe('https://a.tenant.example');
    expect(await ask('https://evil.example')).toBeUndefined();
    expect(await ask('https://evil.example')).toBeUndefined();
    expect(calls).toEqual(['https://a.tenant.example', 'https://evil.example']);
    await ask('https://b.tenant.example'); // a third origin pushes the oldest out
    await ask('https://a.tenant.example');
    expect(calls).toEqual(['https://a.tenant.example', 'https://evil.example', 'https://b.tenant.example', 'https://a.tenant.example']);
  });

  it('asks the function on every request without a cache', async () => {
    await http.get('/uncached').set('Origin', APP);
    await http.get('/uncached').set('Origin', APP);
    expect(calls).toEqual([APP, APP]);
  });
});
