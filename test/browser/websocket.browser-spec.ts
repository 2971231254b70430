import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { WsAdapter } from '@nestjs/platform-ws';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { CorsModule } from '../../src/index.js';
import { CHROMIUM_PATH } from './chromium-path.js';

/** The platforms the page is run against; `PLATFORMS=fastify` runs one. */
const PLATFORMS = (process.env.PLATFORMS?.split(',') ?? ['express', 'fastify']) as Array<'express' | 'fastify'>;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A page server on an origin of its own: a blank page, from which the test opens the socket. */
const pageServer = () =>
  createServer((_request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>page</title>');
  });

// Browsers apply no CORS to a WebSocket: `new WebSocket()` opens from any page unless the server refuses.
describe.each(PLATFORMS)('a plain WebSocket from a page in headless Chromium, against a ws gateway on %s', (platform) => {
  let api: INestApplication;
  let pages: Server[];
  let context: BrowserContext;
  let profile: string;
  let socketUrl: string;
  let allowedOrigin: string;
  let otherOrigin: string;

  beforeAll(async () => {
    pages = [pageServer(), pageServer()];
    allowedOrigin = `http://localhost:${await listen(pages[0])}`;
    otherOrigin = `http://127.0.0.1:${await listen(pages[1])}`;

    @WebSocketGateway({ path: '/events' })
    class EventsGateway {
      @SubscribeMessage('ping')
      ping() {
        return 'pong';
      }
    }
    @Module({ imports: [CorsModule.forRoot({ origin: allowedOrigin, credentials: true, logRefusals: false })], providers: [EventsGateway] })
    class AppModule {}
    api = platform === 'fastify' ? await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false }) : await NestFactory.create(AppModule, { logger: false });
    api.useWebSocketAdapter(new WsAdapter(api));
    await api.listen(0, '127.0.0.1');
    socketUrl = `ws://localhost:${((api.getHttpServer() as Server).address() as AddressInfo).port}/events`;

    profile = mkdtempSync(join(tmpdir(), 'cors-ws-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await context?.close();
    for (const server of pages ?? []) await new Promise((resolve) => server.close(resolve));
    await api?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** What the page saw: the socket opened and answered `ping`, or it failed to open. */
  async function openFrom(origin: string): Promise<string> {
    const page = await context.newPage();
    try {
      await page.goto(`${origin}/`);
      return await page.evaluate(
        (url) =>
          new Promise<string>((resolve) => {
            const socket = new WebSocket(url);
            socket.onopen = () => socket.send(JSON.stringify({ event: 'ping', data: null }));
            socket.onmessage = (event) => {
              resolve(`reply ${event.data}`);
              socket.close();
            };
            socket.onerror = () => resolve('error');
          }),
        socketUrl,
      );
    } finally {
      await page.close();
    }
  }

  it('the page on the allowed origin opens the socket, and messages flow', async () => {
    expect(await openFrom(allowedOrigin)).toBe('reply "pong"');
  });

  it('the page on another origin cannot open it', async () => {
    expect(await openFrom(otherOrigin)).toBe('error');
  });
});
