import type { HttpServer } from '@nestjs/common';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export type RequestHook = (request: IncomingMessage, response: ServerResponse, next: () => void) => void;

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

interface ExpressLayer {
  handle: unknown;
}

/** Marks a request the server-level hook has seen, so the Express layer does not apply the policy twice. */
const SEEN = Symbol('nestjs-cors-policy');

/**
 * Runs `hook` before anything else of the app, in two places:
 *
 * - in front of the HTTP server's `request` listener (the Express application): a preflight is answered
 *   without entering Express, and an actual request has its headers before Express starts;
 * - first in the Express application's own stack, for requests that reach Express without that server
 *   (a serverless handler, a test that calls the Express instance directly).
 *
 * Either way the hook runs ahead of the body parsers Nest registers in `app.init()` and of `app.use()`
 * middleware, so a body-parser error, a guard's 401 and the 404 of an unknown path all carry the CORS
 * headers. Nest's middleware consumer cannot do this: its middleware runs after the body parsers.
 */
export function installHook(adapter: HttpServer, hook: RequestHook): void {
  const type = adapter.getType?.();
  if (type !== 'express') {
    throw new Error(
      `nestjs-cors-policy: the app runs on the '${type}' platform; this version supports @nestjs/platform-express only.`,
    );
  }
  installInExpress(adapter, hook);
  const server = adapter.getHttpServer?.() as Server | undefined;
  if (server && server.listenerCount('request') > 0) installInServer(server, hook);
}

function installInServer(server: Server, hook: RequestHook): void {
  const listeners = server.listeners('request') as RequestListener[];
  const app = listeners.length === 1 ? listeners[0] : (request: IncomingMessage, response: ServerResponse) => {
    for (const listener of listeners) listener.call(server, request, response);
  };
  server.removeAllListeners('request');
  server.on('request', function corsPolicyServerHook(request: IncomingMessage, response: ServerResponse) {
    (request as IncomingMessage & { [SEEN]?: true })[SEEN] = true;
    try {
      hook(request, response, () => app.call(server, request, response));
    } catch (error) {
      // The request goes on without CORS headers: nothing is granted, and the app still answers.
      response.headersSent || app.call(server, request, response);
      process.emitWarning(error as Error);
    }
  });
}

function installInExpress(adapter: HttpServer, hook: RequestHook): void {
  const app = adapter.getInstance() as {
    use(hook: RequestHook): void;
    router?: { stack: ExpressLayer[] };
    _router?: { stack: ExpressLayer[] };
  };
  const layer: RequestHook = function corsPolicyHook(request, response, next) {
    if ((request as IncomingMessage & { [SEEN]?: true })[SEEN]) next();
    else hook(request, response, next);
  };
  app.use(layer);
  const stack = (app.router ?? app._router)?.stack;
  const index = stack?.findIndex((entry) => entry.handle === layer) ?? -1;
  if (!stack || index < 0) {
    throw new Error('nestjs-cors-policy: cannot find the Express router stack to install the CORS hook in.');
  }
  stack.unshift(...stack.splice(index, 1));
}
