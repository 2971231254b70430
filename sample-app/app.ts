import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';

export type SamplePlatform = 'express' | 'fastify';

/** `PLATFORM=fastify` in the environment, or Express. */
export function platformFromEnvironment(): SamplePlatform {
  const platform = process.env.PLATFORM ?? 'express';
  if (platform !== 'express' && platform !== 'fastify') throw new Error(`PLATFORM=${platform}: write express or fastify.`);
  return platform;
}

/** The sample API, configured as `main.ts` starts it; tests start it the same way, on either platform. */
export async function createSampleApp(options: { logger?: false } = {}, platform: SamplePlatform = platformFromEnvironment()): Promise<INestApplication> {
  let app: NestExpressApplication | NestFastifyApplication;
  if (platform === 'fastify') {
    // Loaded only when asked for: an Express app needs no Fastify package.
    const { FastifyAdapter } = await import('@nestjs/platform-fastify');
    app = await NestFactory.create<NestFastifyApplication>(AppModule, new FastifyAdapter(), options);
  } else {
    app = await NestFactory.create<NestExpressApplication>(AppModule, options);
  }
  app.setGlobalPrefix('api');
  return app;
}
