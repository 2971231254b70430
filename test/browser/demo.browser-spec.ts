import type { INestApplication } from '@nestjs/common';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createSampleApp } from '../../sample-app/app.js';
import { serveDemoPage } from '../../sample-app/demo-server.js';
import { CHROMIUM_PATH } from './chromium-path.js';

/** What the demo page's fetch() saw: the browser's own decision. */
interface ScenarioResult {
  id: string;
  outcome: 'allowed' | 'blocked';
  status: number | null;
  headers: Record<string, string>;
  body: string;
  error?: string;
}

/** The platforms the page is clicked against; `PLATFORMS=fastify` runs one. */
const PLATFORMS = (process.env.PLATFORMS?.split(',') ?? ['express', 'fastify']) as Array<'express' | 'fastify'>;

const screenshotOf = (platform: string) => join(process.cwd(), 'build', 'browser', platform === 'express' ? 'demo.png' : `demo-${platform}.png`);

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Clicks a scenario's own button and waits for the page to record what the browser decided. */
async function clickScenario(page: Page, id: string): Promise<ScenarioResult> {
  await page.click(`tr[data-id="${id}"] button`);
  const handle = await page.waitForFunction((scenario) => (globalThis as any).demo.results[scenario], id, { timeout: 15000 });
  return (await handle.jsonValue()) as ScenarioResult;
}

describe.each(PLATFORMS)('the demo page in headless Chromium, against the sample API on %s', (platform) => {
  let api: INestApplication;
  let pages: Server[];
  let context: BrowserContext;
  let profile: string;
  let allowedOrigin: string;
  let otherOrigin: string;
  const results: Record<'allowed' | 'other', Record<string, ScenarioResult>> = { allowed: {}, other: {} };

  beforeAll(async () => {
    const [pagePort, otherPort] = [await freePort(), await freePort()];
    allowedOrigin = `http://localhost:${pagePort}`;
    otherOrigin = `http://127.0.0.1:${otherPort}`;
    // The development policy lists the Vite port; these runs use free ports, set the way .env values are.
    process.env.CORS_ORIGINS = allowedOrigin;
    process.env.ADMIN_ORIGINS = allowedOrigin;

    api = await createSampleApp({ logger: false }, platform);
    await api.listen(0, '127.0.0.1');
    const apiUrl = `http://localhost:${((api.getHttpServer() as Server).address() as AddressInfo).port}/api`;
    pages = [
      await serveDemoPage({ host: '127.0.0.1', port: pagePort, apiUrl }),
      await serveDemoPage({ host: '127.0.0.1', port: otherPort, apiUrl }),
    ];

    profile = mkdtempSync(join(tmpdir(), 'cors-demo-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
      ],
    });

    for (const [name, origin] of [['allowed', allowedOrigin], ['other', otherOrigin]] as const) {
      const page = await context.newPage();
      await page.goto(`${origin}/`);
      const ids: string[] = await page.evaluate(() => (globalThis as any).demo.scenarios);
      for (const id of ids) results[name][id] = await clickScenario(page, id);
      if (name === 'allowed') {
        mkdirSync(join(screenshotOf(platform), '..'), { recursive: true });
        await page.screenshot({ path: screenshotOf(platform), fullPage: true });
      }
      await page.close();
    }
  });

  afterAll(async () => {
    await context?.close();
    for (const server of pages ?? []) await new Promise((resolve) => server.close(resolve));
    await api?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    delete process.env.CORS_ORIGINS;
    delete process.env.ADMIN_ORIGINS;
  });

  // [scenario, from the allowed origin, from the other origin]: the status fetch() resolved with, or blocked.
  it.each([
    ['global', 200, 'blocked'],
    ['admin', 200, 'blocked'],
    ['public', 200, 200],
    ['exposed', 200, 'blocked'],
    ['json-post', 201, 'blocked'],
    ['credentials', 200, 'blocked'],
    ['credentials-refused', 'blocked', 'blocked'],
    ['disabled', 'blocked', 'blocked'],
    ['unauthorized', 401, 'blocked'],
  ] as const)('%s: allowed origin → %s, other origin → %s', (id, fromAllowed, fromOther) => {
    for (const [result, expected] of [[results.allowed[id], fromAllowed], [results.other[id], fromOther]] as const) {
      if (expected === 'blocked') {
        expect(result.outcome).toBe('blocked');
        expect(result.error).toMatch(/^TypeError: /);
        expect(result.status).toBeNull();
      } else {
        expect(result.outcome).toBe('allowed');
        expect(result.status).toBe(expected);
      }
    }
  });

  // Browsers apply no CORS to WebSockets: a refused socket is the server's own handshake check.
  it.each(['socket-websocket', 'socket-polling'])('%s: the allowed page opens the socket.io connection and gets its reply; the other origin cannot open it', (id) => {
    expect(results.allowed[id]).toMatchObject({ outcome: 'allowed', body: '"pong"' });
    expect(results.other[id].outcome).toBe('blocked');
    expect(results.other[id].error).toMatch(/^Error: (websocket error|xhr poll error)$/);
  });

  it('X-Total-Count is readable only where the route exposes it', () => {
    expect(results.allowed.exposed.headers['x-total-count']).toBe('2');
    expect(results.allowed.global.headers['x-total-count']).toBeUndefined();
    expect(results.allowed.global.body).toBe('{"count":2}');
  });

  it('the preflighted JSON POST reached the handler with its custom header', () => {
    expect(JSON.parse(results.allowed['json-post'].body)).toMatchObject({ requestId: 'demo-1' });
  });

  it('the cookie is stored and sent back only where the route allows credentials', async () => {
    expect(JSON.parse(results.allowed.credentials.body)).toEqual({ user: 'demo' });
    const cookies = await context.cookies('http://localhost/');
    expect(cookies.map((cookie) => cookie.name)).toContain('demo_session');
    expect(results.allowed['credentials-refused'].outcome).toBe('blocked');
  });

  it('the 401 of the guard-protected route is readable by the allowed page', () => {
    expect(JSON.parse(results.allowed.unauthorized.body)).toMatchObject({ statusCode: 401, message: 'Sign in first' });
  });

  it('the public route is readable from any origin, without credentials', () => {
    expect(results.other.public.body).toBe('{"status":"ok"}');
  });
});
