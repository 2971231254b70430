import { Controller, Get, Module } from '@nestjs/common';
import fc from 'fast-check';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Cors, CorsModule } from '../../src/index.js';
import { PLATFORMS, startApp, type RunningApp } from '../e2e/harness.js';
import { ORIGIN, RUNS, SEED, hostileVariant, oracle } from './hostile-origins.js';

const EXACT = ['https://app.example.com', 'http://localhost:5173', 'https://admin.example.com:8443'];
const PATTERNS = ['https://*.partners.example.net'];

@Controller()
class DataController {
  @Get('data') data() { return { ok: true }; }
  @Get('public') @Cors({ origin: '*', credentials: false }) open() { return { ok: true }; }
}

@Module({ imports: [CorsModule.forRoot({ origin: [...EXACT, ...PATTERNS], credentials: true })], controllers: [DataController] })
class AppModule {}

describe.each(PLATFORMS)(`HTTP properties against a real app (fast-check, seed ${SEED}, ${RUNS} runs each) (%s)`, (platform) => {
  let running: RunningApp;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  beforeAll(async () => { running = await startApp(AppModule, undefined, platform); });
  afterAll(async () => {
    agent.destroy();
    await running.close();
  });

  const get = (path: string, origin: string) =>
    new Promise<IncomingHttpHeaders>((resolve, reject) => {
      const call = httpRequest(`${running.url}${path}`, { agent, headers: { Origin: origin } }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.headers));
      });
      call.on('error', reject);
      call.end();
    });

  const HOSTILE = hostileVariant(fc.oneof(fc.constantFrom(...EXACT, 'https://shop.partners.example.net'), ORIGIN), true);

  it('grants an origin only if the policy allows exactly it, never with *, always with Vary: Origin', async () => {
    await fc.assert(
      fc.asyncProperty(HOSTILE, async (origin) => {
        const headers = await get('/data', origin);
        // HTTP strips the whitespace around a header value (RFC 9110 §5.5): the server sees it trimmed.
        const received = origin.replace(/^[ \t]+|[ \t]+$/g, '');
        const allowed = oracle(received, EXACT, PATTERNS);
        expect(headers['access-control-allow-origin']).toBe(allowed ? received : undefined);
        expect(headers['access-control-allow-credentials']).toBe(allowed ? 'true' : undefined);
        expect(headers.vary).toContain('Origin');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, 120_000);

  it("answers '*' without credentials on the public route, to every origin", async () => {
    await fc.assert(
      fc.asyncProperty(HOSTILE, async (origin) => {
        const headers = await get('/public', origin);
        expect(headers['access-control-allow-origin']).toBe('*');
        expect(headers['access-control-allow-credentials']).toBeUndefined();
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, 120_000);
});
