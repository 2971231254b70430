import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { CorsModule, CorsSetupError } from '../../src/index.js';
import { nestMajor, unsupportedNest } from '../../src/nest/nest-internals.js';

const NEST_11 = process.env.NEST11_DIR !== undefined;

describe('the Nest major', () => {
  it('is told by what the running @nestjs/core has', () => {
    expect(nestMajor()).toBe(NEST_11 ? 11 : 12);
  });

  it('an unknown one fails the start with a message naming the versions supported', () => {
    expect(unsupportedNest('@nestjs/core 10.4.15').message).toBe(
      'nestjs-cors-policy supports NestJS 11 and 12 (with Express 5 or Fastify 5); this app runs @nestjs/core 10.4.15.',
    );
  });

  (NEST_11 ? it : it.skip)('on Nest 11, a Fastify app fails the start, naming what is supported (Nest 11 run only)', async () => {
    @Controller('reports')
    class ReportsController {
      @Get() list() { return []; }
    }
    @Module({ imports: [CorsModule.forRoot({ origin: 'https://a.com' })], controllers: [ReportsController] })
    class AppModule {}
    const app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false, abortOnError: false });
    try {
      const init = app.init();
      await expect(init).rejects.toThrow(CorsSetupError);
      await expect(init).rejects.toThrow(/supports @nestjs\/platform-fastify with NestJS 12 only; on NestJS 11 use @nestjs\/platform-express/);
    } finally {
      await app.close().catch(() => undefined);
    }
  });
});
