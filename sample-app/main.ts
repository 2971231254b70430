import 'reflect-metadata';
import { ENVIRONMENT } from './app.module.js';
import { createSampleApp, platformFromEnvironment } from './app.js';
import { serveDemoPage } from './demo-server.js';

const apiPort = Number(process.env.PORT ?? 3000);
const pagePort = Number(process.env.DEMO_PORT ?? 5173);
const otherPagePort = Number(process.env.OTHER_DEMO_PORT ?? 5174);
const apiUrl = `http://localhost:${apiPort}/api`;

const platform = platformFromEnvironment();
const app = await createSampleApp({}, platform);
await app.listen(apiPort, '127.0.0.1');
await serveDemoPage({ host: '127.0.0.1', port: pagePort, apiUrl });
await serveDemoPage({ host: '127.0.0.1', port: otherPagePort, apiUrl });

console.log(`
Demo page, an allowed origin:       http://localhost:${pagePort}
Demo page, an origin not allowed:   http://127.0.0.1:${otherPagePort}
Sample API (${ENVIRONMENT}, ${platform}):  ${apiUrl}/reports
`);
