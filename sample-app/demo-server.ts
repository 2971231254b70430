import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

const DEMO_DIRECTORY = join(process.cwd(), 'sample-app', 'demo');
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/demo.js': { file: 'demo.js', type: 'text/javascript; charset=utf-8' },
};

/**
 * Serves the demo page from its own origin (a stand-in for a Vite dev server), with `/config.js`
 * telling the page where the API is.
 */
export async function serveDemoPage(options: { host: string; port: number; apiUrl: string }): Promise<Server> {
  const server = createServer(async (request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path === '/config.js') {
      response.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'no-store' });
      response.end(`window.DEMO_API = ${JSON.stringify(options.apiUrl)};\n`);
      return;
    }
    const entry = FILES[path];
    if (!entry) {
      response.writeHead(404, { 'Content-Type': 'text/plain' });
      response.end('Not found');
      return;
    }
    response.writeHead(200, { 'Content-Type': entry.type, 'Cache-Control': 'no-store' });
    response.end(await readFile(join(DEMO_DIRECTORY, entry.file)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  return server;
}
