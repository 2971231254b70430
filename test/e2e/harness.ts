import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';

export interface RunningApp {
  readonly app: NestExpressApplication;
  readonly url: string;
  /** supertest agent bound to the app's loopback address. */
  readonly http: ReturnType<typeof request>;
  close(): Promise<void>;
}

/** Starts a real Nest app on a free loopback port; `configure` runs before `listen()` (prefix, versioning…). */
export async function startApp(
  rootModule: Type,
  configure: (app: NestExpressApplication) => void = () => {},
): Promise<RunningApp> {
  const app = await NestFactory.create<NestExpressApplication>(rootModule, { logger: false });
  configure(app);
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  return {
    app,
    url,
    http: request(url.replace('[::1]', '127.0.0.1')),
    close: () => app.close(),
  };
}

/** Runs `app.init()` and returns the error it fails with. */
export async function initError(rootModule: Type, configure: (app: INestApplication) => void = () => {}): Promise<Error> {
  const app = await NestFactory.create(rootModule, { logger: false, abortOnError: false });
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
