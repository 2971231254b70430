// One copy of the library per app: the app module, compiled to CommonJS, require()s CorsModule; this file
// imports getCorsPolicyReport. The report finds the module's provider only if both are the same class.
// Prints where import and require() resolve the package.
import { createRequire } from 'node:module';
import { NestFactory } from '@nestjs/core';
import { getCorsPolicyReport } from 'nestjs-cors-policy';

const require = createRequire(import.meta.url);
const { AppModule } = require('./dist/app.module.js');
const app = await NestFactory.create(AppModule, { logger: false });
await app.init();
const routes = getCorsPolicyReport(app).map((route) => `${route.method} ${route.path}`);
await app.close();
console.log(`import resolves ${import.meta.resolve('nestjs-cors-policy')}`);
console.log(`require() resolves ${require.resolve('nestjs-cors-policy')}`);
console.log(`getCorsPolicyReport from import on the require()d module: ${routes.join(', ')}`);
