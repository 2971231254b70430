import type { HttpServer } from '@nestjs/common';
import type { ApplicationConfig } from '@nestjs/core';
import { CorsSetupError } from '../nest/cors-setup.error.js';
import { nestMajor } from '../nest/nest-internals.js';
import { ExpressPlatform } from './express/express.platform.js';
import { FastifyPlatform } from './fastify/fastify.platform.js';
import type { HttpPlatform } from './http-platform.js';

/**
 * The platform of the app's HTTP adapter. Called while `NestFactory.create()` runs, before Nest registers
 * the routes: the Fastify platform records them as Fastify registers them.
 */
export function platformFor(adapter: HttpServer, config: ApplicationConfig): HttpPlatform {
  const type = adapter.getType?.();
  if (type === 'express') return new ExpressPlatform(adapter, config);
  if (type === 'fastify') {
    // The platform reads what @nestjs/platform-fastify 12 does before a handler runs; 11 does it otherwise.
    if (nestMajor() !== 12) {
      throw new CorsSetupError(
        'nestjs-cors-policy supports @nestjs/platform-fastify with NestJS 12 only; on NestJS 11 use @nestjs/platform-express, or upgrade to NestJS 12.',
      );
    }
    return new FastifyPlatform(adapter as never);
  }
  throw new Error(`nestjs-cors-policy: the app runs on the '${type}' platform; this version supports @nestjs/platform-express and @nestjs/platform-fastify only.`);
}
