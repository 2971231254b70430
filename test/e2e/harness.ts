import type { INestApplication, NestApplicationOptions, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import request from 'supertest';

/** The HTTP platforms every end-to-end suite runs on. `PLATFORMS=fastify npm test` runs one of them. */
export type Platform = 'express' | 'fastify';
export const PLATFORMS: Platform[] = (process.env.PLATFORMS?.split(',') as Platform[] | undefined) ?? ['express', 'fastify'];

/** An app on either platform: what the suites call on it exists on both (`use`, versioning, prefix, CSRF). */
export type AnyApp = NestExpressApplication | NestFastifyApplication;

export interface RunningApp {
  readonly app: AnyApp;
  readonly platform: Platform;
  readonly url: string;
  readonly port: number;
  /** supertest agent bound to the app's loopback address. */
  readonly http: ReturnType<typeof request>;
  close(): Promise<void>;
}

/** `NestFactory.create()` on the platform, with its adapter; `options` as for `NestFactory.create()`. */
export function createApp(rootModule: Type, platform: Platform, options: NestApplicationOptions = {}): Promise<AnyApp> {
  return platform === 'fastify'
    ? NestFactory.create<NestFastifyApplication>(rootModule, new FastifyAdapter(), options)
    : NestFactory.create<NestExpressApplication>(rootModule, options);
}

/** Starts a real Nest app on a free loopback port; `configure` runs before `listen()` (prefix, versioning…). */
export async function startApp(
  rootModule: Type,
  configure: (app: AnyApp) => void = () => {},
  platform: Platform = 'express',
): Promise<RunningApp> {
  const app = await createApp(rootModule, platform, { logger: false });
  configure(app);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    platform,
    url,
    port: Number(new URL(url).port),
    http: request(url),
    close: () => app.close(),
  };
}

/** Runs `app.init()` and returns the error it fails with. */
export async function initError(rootModule: Type, configure: (app: INestApplication) => void = () => {}, platform: Platform = 'express'): Promise<Error> {
  const app = await createApp(rootModule, platform, { logger: false, abortOnError: false });
  configure(app);
  try {
    await app.init();
  } catch (error) {
    return error as Error;
  } finally {
    await app.close().catch(() => undefined);
  }
  throw new Error('app.init() succeeded, but a configuration error was expected');
}
