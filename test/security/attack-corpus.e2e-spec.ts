import { Controller, Get, Module, Post, UnauthorizedException, type Type } from '@nestjs/common';
import { request as httpRequest } from 'node:http';
import { compileOrigin } from '../../src/core/origin-matcher.js';
import { Cors, CorsModule, type CorsPolicyOptions } from '../../src/index.js';
import { PLATFORMS, initError, startApp, type RunningApp } from '../e2e/harness.js';

/** The classic CORS misconfigurations, one test each, each asserting the secure outcome. */

const APP = 'https://app.example.com';

@Controller()
class TargetController {
  @Get('account') @Cors({ origin: APP, credentials: true }) account() { return { secret: 'session data' }; }
  @Get('tenants') @Cors({ origin: 'https://*.example.com', credentials: true }) tenants() { return { secret: 'tenant data' }; }
  @Get('fails') @Cors({ origin: () => { throw new Error('database down'); } }) fails() { return { ok: true }; }
  @Post('login') @Cors({ origin: APP, credentials: true }) login() { throw new UnauthorizedException(); }
  @Get('local') @Cors({ origin: APP }) local() { return {}; }
}

@Module({ imports: [CorsModule.forRoot({ origin: APP, logRefusals: false })], controllers: [TargetController] })
class AppModule {}

function appWith(policy: CorsPolicyOptions): Type {
  @Controller('x')
  class XController {
    @Get() @Cors(policy) x() { return {}; }
  }
  @Module({ imports: [CorsModule.forRoot()], controllers: [XController] })
  class XModule {}
  return XModule;
}

describe.each(PLATFORMS)('attack corpus (%s)', (platform) => {
  let running: RunningApp;
  beforeAll(async () => { running = await startApp(AppModule, undefined, platform); });
  afterAll(() => running.close());

  const allowOriginFor = async (path: string, origin: string) =>
    (await running.http.get(path).set('Origin', origin)).headers['access-control-allow-origin'];

  it('does not reflect an arbitrary origin', async () => {
    expect(await allowOriginFor('/account', 'https://evil.example.net')).toBeUndefined();
  });

  it("refuses origin: true (reflect everything) at start-up", async () => {
    expect((await initError(appWith({ origin: true as never, credentials: true }), undefined, platform)).message).toMatch(/reflects every origin/);
  });

  it("refuses '*' with credentials at start-up", async () => {
    expect((await initError(appWith({ origin: '*', credentials: true }), undefined, platform)).message).toMatch(/cannot be used with credentials/);
  });

  it('refuses a suffix-extended origin (https://app.example.com.evil.net)', async () => {
    expect(await allowOriginFor('/account', 'https://app.example.com.evil.net')).toBeUndefined();
  });

  it('refuses a prefix look-alike (https://evilapp.example.com)', async () => {
    expect(await allowOriginFor('/account', 'https://evilapp.example.com')).toBeUndefined();
  });

  it('refuses a look-alike domain for a subdomain pattern (https://evil-example.com)', async () => {
    expect(await allowOriginFor('/tenants', 'https://evil-example.com')).toBeUndefined();
    expect(await allowOriginFor('/tenants', 'https://evilexample.com')).toBeUndefined();
  });

  it('a subdomain pattern does not cover the bare domain, nor an attacker domain ending in it', async () => {
    expect(await allowOriginFor('/tenants', 'https://example.com')).toBeUndefined();
    expect(await allowOriginFor('/tenants', 'https://a.example.com.evil.net')).toBeUndefined();
    expect(await allowOriginFor('/tenants', 'https://a.example.com')).toBe('https://a.example.com');
  });

  it('refuses a scheme downgrade: http:// for an https origin or pattern', async () => {
    expect(await allowOriginFor('/account', 'http://app.example.com')).toBeUndefined();
    expect(await allowOriginFor('/tenants', 'http://a.example.com')).toBeUndefined();
  });

  it('refuses the userinfo trick (https://app.example.com@evil.net)', async () => {
    expect(await allowOriginFor('/account', 'https://app.example.com@evil.net')).toBeUndefined();
    expect(await allowOriginFor('/tenants', 'https://evil.net@a.example.com')).toBeUndefined();
  });

  it('refuses several origins in one header', async () => {
    expect(await allowOriginFor('/account', `${APP}, https://evil.example.net`)).toBeUndefined();
    expect(await allowOriginFor('/account', `${APP} https://evil.example.net`)).toBeUndefined();
  });

  it('refuses Origin: null (sandboxed iframes, data: and file: pages) unless listed', async () => {
    expect(await allowOriginFor('/account', 'null')).toBeUndefined();
    expect(await allowOriginFor('/tenants', 'null')).toBeUndefined();
  });

  it('refuses a trailing-dot host, a different origin to a browser', async () => {
    expect(await allowOriginFor('/account', 'https://app.example.com.')).toBeUndefined();
  });

  it('refuses a Unicode look-alike host, in Unicode and in punycode', () => {
    const matcher = compileOrigin([APP], 'corpus');
    expect(matcher.match('https://аpp.example.com', {})).toBe(false); // Cyrillic а
    expect(matcher.match(new URL('https://аpp.example.com').origin, {})).toBe(false);
  });

  it('refuses an unanchored RegExp at start-up', async () => {
    expect((await initError(appWith({ origin: /app\.example\.com/ }), undefined, platform)).message).toMatch(/is not anchored/);
  });

  it("refuses a RegExp with an unescaped '.' at start-up (it would allow https://appxexample.com)", async () => {
    const error = await initError(appWith({ origin: /^https:\/\/app.example\.com$/ }), undefined, platform);
    expect(error.message).toMatch(/unescaped '\.'.*write \/\^https:\\\/\\\/app\\\.example\\\.com\$\//);
  });

  it('keeps a cache from serving one origin its answer to another: Vary: Origin on every answer', async () => {
    for (const origin of [APP, 'https://evil.example.net', undefined]) {
      const call = running.http.get('/account');
      const response = origin === undefined ? await call : await call.set('Origin', origin);
      expect(response.headers.vary).toContain('Origin');
    }
  });

  it('grants nothing to a preflight from a refused origin', async () => {
    const response = await running.http
      .options('/account')
      .set('Origin', 'https://evil.example.net')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(response.status).toBe(403);
    expect(Object.keys(response.headers).filter((name) => name.startsWith('access-control-'))).toEqual([]);
  });

  it('refuses a Private Network Access preflight unless the route allows it', async () => {
    const response = await running.http
      .options('/local')
      .set('Origin', APP)
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Private-Network', 'true');
    expect(response.status).toBe(403);
    expect(response.headers['access-control-allow-private-network']).toBeUndefined();
  });

  it('grants a refused origin nothing on error responses either', async () => {
    const response = await running.http.post('/login').set('Origin', 'https://evil.example.net');
    expect(response.status).toBe(401);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('fails closed when the origin function throws, and keeps serving', async () => {
    const response = await running.http.get('/fails').set('Origin', APP);
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers a 100 kB Origin header at once, granting nothing', async () => {
    const { status, headers } = await new Promise<{ status: number; headers: Record<string, unknown> }>((resolve, reject) => {
      const call = httpRequest(`${running.url}/account`, { headers: { Origin: `https://${'a'.repeat(100_000)}.example.com` } }, (response) => {
        response.resume();
        resolve({ status: response.statusCode!, headers: response.headers });
      });
      call.on('error', reject);
      call.end();
    });
    expect(status).toBe(431); // Node refuses headers over 16 kB before any middleware
    expect(headers['access-control-allow-origin']).toBeUndefined();
  });

  it('never runs a user RegExp on an over-long Origin (a server allowing large headers)', () => {
    // Exponential on this input: were it run, the test would not end.
    const catastrophic = /^https:\/\/(a+)+\.example\.com$/;
    const tested: string[] = [];
    const spy = new Proxy(catastrophic, {
      get: (target, key) => (key === 'test' ? (value: string) => (tested.push(value), target.test(value)) : Reflect.get(target, key)),
    });
    const matcher = compileOrigin([catastrophic], 'corpus');
    expect(matcher.match(`https://${'a'.repeat(100_000)}!`, {})).toBe(false);
    const spied = compileOrigin([spy as RegExp], 'corpus');
    expect(spied.match(`https://${'a'.repeat(100_000)}!`, {})).toBe(false);
    expect(tested).toEqual([]);
  });

  it('matches a subdomain pattern on deep hosts by comparing strings', () => {
    const pattern = compileOrigin(['https://*.example.com'], 'corpus');
    expect(pattern.match(`https://${'a.'.repeat(500)}example.com`, {})).toBe(true);
    expect(pattern.match(`https://${'a.'.repeat(500)}.example.com`, {})).toBe(false);
    expect(pattern.match(`https://${'a'.repeat(1500)}-.example.com`, {})).toBe(true);
  });
});
