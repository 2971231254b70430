import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { SAME_OPTIONS, benchModule, type Variant } from './app-shape.js';

/** One variant in its own process: `node server.js C` prints `READY <port>` once it listens on loopback. */
const variant = process.argv[2] as Variant;
const app = await NestFactory.create<NestExpressApplication>(benchModule(variant), { logger: false });
app.setGlobalPrefix('api');
if (variant === 'B') app.enableCors(SAME_OPTIONS);
await app.listen(0, '127.0.0.1');
process.stdout.write(`READY ${(app.getHttpServer().address() as AddressInfo).port}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
