import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AddressInfo } from 'node:net';
import { SAME_OPTIONS, benchModule, type Variant } from './app-shape.js';

/**
 * One variant in its own process: `node server.js C [express|fastify]` prints `READY <port>` once it listens
 * on loopback (`READY <port> cpu-ipc` when started with an IPC channel, see below), then the platform.
 */
const variant = process.argv[2] as Variant;
const platform = process.argv[3] ?? 'express';
if (platform !== 'express' && platform !== 'fastify') throw new Error(`unknown platform ${platform}: express or fastify`);
const app =
  platform === 'fastify'
    ? await NestFactory.create<NestFastifyApplication>(benchModule(variant), new (await import('@nestjs/platform-fastify')).FastifyAdapter(), { logger: false })
    : await NestFactory.create<NestExpressApplication>(benchModule(variant), { logger: false });
app.setGlobalPrefix('api');
if (variant === 'B') app.enableCors(SAME_OPTIONS);
await app.listen(0, '127.0.0.1');
const port = (app.getHttpServer().address() as AddressInfo).port;
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));

if (process.send) {
  // cpu.ts reads this process's CPU time in /proc, which any server (an older commit's too) exposes; these
  // two messages report the same time from inside, in microseconds, so that it can check the /proc ticks.
  // Nothing here runs per request.
  let start: NodeJS.CpuUsage | undefined;
  process.on('message', (message) => {
    if (message === 'memory') {
      // The soak's reading: after full collections (the process runs with --expose-gc), what stays.
      for (let i = 0; i < 4; i++) globalThis.gc?.();
      const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
      process.send!({ rss, heapUsed, heapTotal, external, arrayBuffers, gc: typeof globalThis.gc === 'function' });
    } else if (message === 'start') {
      start = process.cpuUsage();
      process.send!('started');
    } else if (message === 'stop' && start) {
      const spent = process.cpuUsage(start);
      process.send!({ cpuMicros: spent.user + spent.system });
    }
  });
  process.on('disconnect', () => process.exit(0));
}
process.stdout.write(`READY ${port}${process.send ? ' cpu-ipc' : ''} platform=${platform}\n`);
