import type { HttpServer } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type RequestHook = (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;

interface ExpressLayer {
  handle: unknown;
}

/**
 * Puts `hook` first in the Express application's stack, ahead of the body parsers Nest registered in
 * `app.init()` and of `app.use()` middleware: a body-parser error, a guard's 401 and the 404 of an
 * unknown path are all answered after the hook has set the CORS headers. Nest's middleware consumer
 * cannot do this: its middleware runs after the body parsers.
 */
export function installFirst(adapter: HttpServer, hook: RequestHook): void {
  const type = adapter.getType?.();
  if (type !== 'express') {
    throw new Error(
      `nestjs-cors-policy: the app runs on the '${type}' platform; this version supports @nestjs/platform-express only.`,
    );
  }
  const app = adapter.getInstance() as {
    use(hook: RequestHook): void;
    router?: { stack: ExpressLayer[] };
    _router?: { stack: ExpressLayer[] };
  };
  app.use(hook);
  const stack = (app.router ?? app._router)?.stack;
  const index = stack?.findIndex((layer) => layer.handle === hook) ?? -1;
  if (!stack || index < 0) {
    throw new Error('nestjs-cors-policy: cannot find the Express router stack to install the CORS hook in.');
  }
  stack.unshift(...stack.splice(index, 1));
}
