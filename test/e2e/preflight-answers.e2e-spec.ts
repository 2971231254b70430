import { All, CanActivate, Controller, Get, Header, HttpCode, Injectable, Module, Options, Post, Put, UseGuards } from '@nestjs/common';
import { Cors, CorsModule } from '../../src/index.js';
import { PLATFORMS, startApp, type RunningApp } from './harness.js';

const SPA = 'http://localhost:5173';
const ADMIN = 'https://admin.example.com';
const calls = { guard: 0, handler: 0, options: 0 };

@Injectable()
class CountingGuard implements CanActivate {
  canActivate() {
    calls.guard++;
    return false;
  }
}

@Controller('items')
@UseGuards(CountingGuard)
class ItemsController {
  @Get() list() { calls.handler++; return []; }
  @Put(':id') @Cors({ origin: ADMIN, credentials: true, allowedHeaders: ['Content-Type', 'X-Request-Id'], maxAge: 120, optionsSuccessStatus: 200 })
  update() { calls.handler++; return {}; }
  @Post('private') @Cors({ allowPrivateNetwork: true }) local() { return {}; }
  @Post('closed') @Cors(false) closed() { return {}; }
  @Post('any') @Cors({ origin: '*', methods: '*', allowedHeaders: '*' }) any() { return {}; }
  @All('rpc') @Cors({ methods: 'GET, POST' }) rpc() { return {}; }
}

@Controller('hooks')
class HooksController {
  @Post() @Cors({ preflightContinue: true }) receive() { return {}; }
  @Options() @HttpCode(200) @Header('Allow', 'POST, OPTIONS') options() {
    calls.options++;
    return 'own OPTIONS handler';
  }
}

@Module({
  imports: [CorsModule.forRoot({ origin: [SPA, ADMIN], allowedHeaders: 'Content-Type, Authorization' })],
  controllers: [ItemsController, HooksController],
  providers: [CountingGuard],
})
class AppModule {}

describe.each(PLATFORMS)('preflights (%s)', (platform) => {
  let running: RunningApp;
  beforeAll(async () => { running = await startApp(AppModule, undefined, platform); });
  afterAll(() => running.close());
  beforeEach(() => Object.assign(calls, { guard: 0, handler: 0, options: 0 }));

  const ask = (path: string, origin: string, method: string, headers?: string) => {
    const call = running.http.options(path).set('Origin', origin).set('Access-Control-Request-Method', method);
    return headers === undefined ? call : call.set('Access-Control-Request-Headers', headers);
  };

  describe('an allowed preflight', () => {
    it('answers 204 with the allow headers, without running guards or handlers', async () => {
      const response = await ask('/items', SPA, 'GET', 'content-type');
      expect(response.status).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe(SPA);
      expect(response.headers['access-control-allow-methods']).toBe('GET, HEAD, PUT, PATCH, POST, DELETE');
      expect(response.headers['access-control-allow-headers']).toBe('Content-Type, Authorization');
      expect(response.headers['access-control-max-age']).toBe('600');
      expect(response.headers['access-control-allow-credentials']).toBeUndefined();
      expect(calls).toEqual({ guard: 0, handler: 0, options: 0 });
    });

    it('uses the route policy: credentials, headers, max-age and optionsSuccessStatus', async () => {
      const response = await ask('/items/7', ADMIN, 'PUT', 'x-request-id,content-type');
      expect(response.status).toBe(200);
      expect(response.headers['access-control-allow-origin']).toBe(ADMIN);
      expect(response.headers['access-control-allow-credentials']).toBe('true');
      expect(response.headers['access-control-allow-headers']).toBe('Content-Type, X-Request-Id');
      expect(response.headers['access-control-max-age']).toBe('120');
    });

    it("echoes the requested method and headers where the policy allows any ('*')", async () => {
      const response = await ask('/items/any', 'https://anyone.example', 'POST', 'X-Custom');
      expect(response.status).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.headers['access-control-allow-methods']).toBe('POST');
      expect(response.headers['access-control-allow-headers']).toBe('x-custom');
    });

    it('answers Private Network Access only where allowPrivateNetwork is on', async () => {
      const allowed = await ask('/items/private', SPA, 'POST').set('Access-Control-Request-Private-Network', 'true');
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-private-network']).toBe('true');
      expect(allowed.headers.vary).toContain('Access-Control-Request-Private-Network');
      const refused = await ask('/items', SPA, 'GET').set('Access-Control-Request-Private-Network', 'true');
      expect(refused.status).toBe(403);
      expect(refused.headers['access-control-allow-private-network']).toBeUndefined();
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('varies on the origin and the requested method and headers', async () => {
      const response = await ask('/items', SPA, 'GET');
      expect(response.headers.vary).toBe('Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    });

    it('with preflightContinue, the app answers after the headers are set', async () => {
      const response = await ask('/hooks', SPA, 'POST');
      expect(response.status).toBe(200);
      expect(response.text).toBe('own OPTIONS handler');
      expect(response.headers['access-control-allow-origin']).toBe(SPA);
      expect(calls.options).toBe(1);
    });
  });

  describe('a refused preflight: 403, a short reason, nothing that grants access, never a 404', () => {
    it.each([
      ['an origin not allowed', '/items', 'https://evil.example.com', 'GET', undefined, 'origin not allowed'],
      ['a method not allowed', '/items/rpc', SPA, 'PATCH', undefined, 'method not allowed'],
      ['a request header not allowed', '/items', SPA, 'GET', 'content-type, x-secret', 'request header not allowed'],
      ['a request header that is not a token', '/items', SPA, 'GET', 'bad header', 'request header not allowed'],
      ['a route with @Cors(false)', '/items/closed', SPA, 'POST', undefined, 'CORS is disabled for this route'],
      ["a PUT the route's own origin list refuses", '/items/7', SPA, 'PUT', undefined, 'origin not allowed'],
    ])('%s', async (_rule, path, origin, method, headers, reason) => {
      const response = await ask(path, origin, method, headers);
      expect(response.status).toBe(403);
      expect(response.text).toBe(`CORS preflight refused: ${reason}`);
      const granted = Object.keys(response.headers).filter((name) => name.startsWith('access-control-'));
      expect(granted).toEqual([]);
      expect(response.headers.vary).toContain('Origin');
      expect(calls).toEqual({ guard: 0, handler: 0, options: 0 });
    });
  });

  describe("the app's own @Options handlers", () => {
    it('still answer OPTIONS requests that are not preflights', async () => {
      const response = await running.http.options('/hooks').set('Origin', SPA);
      expect(response.status).toBe(200);
      expect(response.text).toBe('own OPTIONS handler');
      expect(response.headers.allow).toBe('POST, OPTIONS');
      expect(response.headers['access-control-allow-origin']).toBe(SPA);
    });

    it('answer OPTIONS without an Origin as usual', async () => {
      const response = await running.http.options('/hooks');
      expect(response.status).toBe(200);
      expect(calls.options).toBe(1);
    });
  });
});
