import 'reflect-metadata';
import { ENVIRONMENT } from './app.module.js';
import { createSampleApp } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const app = await createSampleApp();
await app.listen(port, '127.0.0.1');
console.log(`Sample API (${ENVIRONMENT}): http://localhost:${port}/api`);
