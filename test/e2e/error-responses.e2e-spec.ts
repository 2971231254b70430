import {
  Body,
  CanActivate,
  Controller,
  ForbiddenException,
  Get,
  Injectable,
  Module,
  Param,
  ParseIntPipe,
  Post,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { Cors, CorsModule } from '../../src/index.js';
import { createApp, PLATFORMS, startApp, type RunningApp } from './harness.js';

const SPA = 'http://localhost:5173';
const ADMIN = 'https://admin.example.com';

@Injectable()
class LoginGuard implements CanActivate {
  canActivate(): boolean {
    throw new UnauthorizedException('log in first');
  }
}

@Injectable()
class DenyGuard implements CanActivate {
  canActivate(): boolean {
    return false;
  }
}

@Controller('account')
@Cors({ origin: ADMIN, credentials: true, exposedHeaders: ['WWW-Authenticate'] })
class AccountController {
  @Get() @UseGuards(LoginGuard) me() { return {}; }
  @Get('admin') @UseGuards(DenyGuard) admin() { return {}; }
  @Get('items/:id') item(@Param('id', ParseIntPipe) id: number) { return { id }; }
  @Get('boom') boom() { throw new Error('boom'); }
  @Get('forbidden') forbidden() { throw new ForbiddenException(); }
  @Post('json') json(@Body() body: unknown) { return body; }
}

@Module({ imports: [CorsModule.forRoot({ origin: SPA })], controllers: [AccountController] })
class AppModule {}

describe.each(PLATFORMS)('error responses carry the same CORS headers as successes (%s)', (platform) => {
  let running: RunningApp;
  beforeAll(async () => { running = await startApp(AppModule, undefined, platform); });
  afterAll(() => running.close());

  it.each([
    ['a 401 thrown by a guard', () => running.http.get('/account'), 401],
    ['a 403 from a guard that returns false', () => running.http.get('/account/admin'), 403],
    ['a 400 from a pipe', () => running.http.get('/account/items/abc'), 400],
    ['a 500 from a handler', () => running.http.get('/account/boom'), 500],
    ['a 403 thrown by a handler', () => running.http.get('/account/forbidden'), 403],
    [
      'a 400 from the body parser (malformed JSON)',
      () => running.http.post('/account/json').set('Content-Type', 'application/json').send('{"broken":'),
      400,
    ],
    [
      'a 413 from the body parser (a body over the limit: 100 kB on Express, 1 MiB on Fastify)',
      () => running.http.post('/account/json').set('Content-Type', 'application/json').send(`{"a":"${'x'.repeat(1_100_000)}"}`),
      413,
    ],
  ])('%s', async (_case, send, status) => {
    const response = await send().set('Origin', ADMIN);
    expect(response.status).toBe(status);
    expect(response.headers['access-control-allow-origin']).toBe(ADMIN);
    expect(response.headers['access-control-allow-credentials']).toBe('true');
    expect(response.headers['access-control-expose-headers']).toBe('WWW-Authenticate');
    expect(response.headers.vary).toContain('Origin');
  });

  (platform === 'fastify' ? it : it.skip)('a 415 for a media type no parser reads (Fastify only: Express leaves such a body unread)', async () => {
    const response = await running.http.post('/account/json').set('Content-Type', 'text/xml').set('Origin', ADMIN).send('<a/>');
    expect(response.status).toBe(415);
    expect(response.headers['access-control-allow-origin']).toBe(ADMIN);
    expect(response.headers.vary).toContain('Origin');
  });

  it('a 404 for an unknown path carries the global policy', async () => {
    const response = await running.http.get('/nowhere').set('Origin', SPA);
    expect(response.status).toBe(404);
    expect(response.headers['access-control-allow-origin']).toBe(SPA);
    expect(response.headers.vary).toContain('Origin');
  });

  it('an error for a refused origin carries no CORS header', async () => {
    const response = await running.http.get('/account').set('Origin', SPA);
    expect(response.status).toBe(401);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers.vary).toContain('Origin');
  });
});

describe('an app served without its HTTP server (serverless handlers, tests without the server)', () => {
  /** A guard's 401 and a preflight, through whatever serves the app. */
  async function expectCorsAnswers(http: ReturnType<typeof import('supertest')>) {
    const actual = await http.get('/account').set('Origin', ADMIN);
    expect(actual.status).toBe(401);
    expect(actual.headers['access-control-allow-origin']).toBe(ADMIN);
    expect(actual.headers.vary).toBe('Origin');
    const preflight = await http.options('/account/json').set('Origin', ADMIN).set('Access-Control-Request-Method', 'POST');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ADMIN);
  }

  (PLATFORMS.includes('express') ? it : it.skip)('still gets CORS headers and preflight answers from its Express instance (Express only: Fastify has no request listener of its own)', async () => {
    const { NestFactory } = await import('@nestjs/core');
    const { default: request } = await import('supertest');
    const app = await NestFactory.create(AppModule, { logger: false });
    await app.init();
    try {
      const express = app.getHttpAdapter().getInstance();
      await expectCorsAnswers(request(express));
    } finally {
      await app.close();
    }
  });

  (PLATFORMS.includes('fastify') ? it : it.skip)('still gets CORS headers and preflight answers from fastify.routing() in a server of its own (Fastify only: how Fastify serves without its server)', async () => {
    const { createServer } = await import('node:http');
    const { default: request } = await import('supertest');
    const app = await createApp(AppModule, 'fastify', { logger: false });
    await app.init();
    const fastify = app.getHttpAdapter().getInstance() as import('fastify').FastifyInstance;
    await fastify.ready();
    // fastify.inject() cannot load under Jest's VM modules (light-my-request requires an ES module).
    const server = createServer((req, res) => fastify.routing(req, res));
    try {
      await expectCorsAnswers(request(server));
    } finally {
      await app.close();
    }
  });
});
