import type { HttpServer } from '@nestjs/common';
import type { ApplicationConfig } from '@nestjs/core';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ACTUAL_RESPONSE_HEADERS, type ActualDecision, type PreflightDecision } from '../../core/protocol.js';
import { mergeVary } from '../../core/vary.js';
import type { HttpPlatform, NestRoutes, PlatformRequest, RequestHook, RouteReached, RouteResolver } from '../http-platform.js';
import { addVary, endPreflight, writeActualHeaders } from '../node-response.js';
import { expressPathMatcher, ExpressRouteResolver } from './express-router.js';

type RequestListener = (request: IncomingMessage, response: ServerResponse) => void;

interface ExpressApp {
  use(handler: RequestHook): void;
  router?: { stack: Array<{ handle: unknown }> };
  /** The prototypes Express gives every request and response it handles. */
  request: object;
  response: { writeHead: (...args: unknown[]) => ServerResponse };
}

/** Marks a request the server-level hook has seen, so the Express layer does not run the hook twice. */
const SEEN = Symbol('nestjs-cors-policy.seen');
/** The `Vary` names a response's CORS decision needs, kept until its headers are written. */
const VARY = Symbol('nestjs-cors-policy.vary');
/** Marks an Express app whose responses already keep their `Vary`. */
const VARY_KEPT = Symbol('nestjs-cors-policy.vary-kept');

type Tagged<T> = T & { [SEEN]?: true; [VARY]?: string };

/**
 * `@nestjs/platform-express`: the first layer runs in front of the HTTP server's request listener, the
 * route comes from Express's own router stack, and headers are written to Node's `ServerResponse`.
 */
export class ExpressPlatform implements HttpPlatform {
  private readonly app: ExpressApp;

  constructor(
    private readonly adapter: HttpServer,
    private readonly config: ApplicationConfig,
  ) {
    this.app = adapter.getInstance() as ExpressApp;
  }

  /**
   * Runs `hook` before anything else of the app, in two places:
   *
   * - in front of the HTTP server's `request` listener (the Express application): a preflight is
   *   answered without entering Express, and an actual request has its headers before Express starts;
   * - first in the Express application's own stack, for requests that reach Express without that
   *   server (a serverless handler, a test that calls the Express instance directly).
   *
   * Either way the hook runs ahead of the body parsers Nest registers in `app.init()` and of `app.use()`
   * middleware, so a body-parser error, a guard's 401 and the 404 of an unknown path all carry the CORS
   * headers. Nest's middleware consumer cannot do this: its middleware runs after the body parsers.
   */
  installFirst(hook: RequestHook): void {
    this.keepVaryOnWrite();
    this.installInExpress(hook);
    const server = this.adapter.getHttpServer?.() as Server | undefined;
    if (server && server.listenerCount('request') > 0) this.installInServer(server, hook);
  }

  /** The `cors` package's middleware, which `app.enableCors()` and `{ cors }` register. */
  foreignCors(): string | undefined {
    const found = this.app.router?.stack.some((layer) => (layer.handle as Function | undefined)?.name === 'corsMiddleware');
    return found ? "the 'cors' middleware (app.enableCors())" : undefined;
  }

  resolver(routes: NestRoutes, reached: RouteReached): RouteResolver {
    const stack = this.app.router?.stack;
    if (!stack) throw new Error('nestjs-cors-policy: cannot find the Express router stack.');
    return new ExpressRouteResolver(
      stack as never,
      routes,
      this.adapter,
      this.config,
      reached,
      expressPathGetter(this.app),
      this.notFoundHandlers(),
      this.app.request,
      expressPathMatcher(this.app.router!),
    );
  }

  /**
   * The handlers Nest gives `setNotFoundHandler()`, which it calls after `onModuleInit` and mounts as
   * routes on paths excluded from the global prefix: the router then knows them for the 404s they are.
   */
  private notFoundHandlers(): ReadonlySet<Function> {
    const handlers = new Set<Function>();
    const adapter = this.adapter as HttpServer & { setNotFoundHandler?: (handler: Function, ...rest: unknown[]) => unknown };
    const setNotFoundHandler = adapter.setNotFoundHandler;
    if (setNotFoundHandler !== undefined) {
      adapter.setNotFoundHandler = function recordNotFoundHandler(this: unknown, handler: Function, ...rest: unknown[]) {
        handlers.add(handler);
        return setNotFoundHandler.call(this, handler, ...rest);
      };
    }
    return handlers;
  }

  writeActual(response: Tagged<ServerResponse>, decision: ActualDecision, origin: string | undefined): void {
    writeActualHeaders(response, decision, origin);
    if (decision.vary !== undefined) response[VARY] = decision.vary;
  }

  clearActual(response: ServerResponse): void {
    for (const name of ACTUAL_RESPONSE_HEADERS) response.removeHeader(name);
  }

  answerPreflight(response: Tagged<ServerResponse>, decision: PreflightDecision, proceed: (() => void) | undefined): void {
    if (decision.vary !== undefined) addVary(response, decision.vary);
    if (decision.allowed && proceed !== undefined) {
      for (const [name, value] of decision.headers) response.setHeader(name, value);
      response[VARY] = decision.vary;
      proceed();
      return;
    }
    endPreflight(response, decision);
  }

  /**
   * Adds the decision's `Vary` names back at the moment the headers are written, so that nothing the
   * app does in between (`res.setHeader('Vary', …)`, `@Header('Vary', …)`, a middleware) drops them.
   * Installed on the prototype Express gives its responses: one function per app, none per request.
   */
  private keepVaryOnWrite(): void {
    const prototype = this.app.response as ExpressApp['response'] & { [VARY_KEPT]?: true };
    if (prototype[VARY_KEPT]) return;
    prototype[VARY_KEPT] = true;
    const writeHead = prototype.writeHead;
    prototype.writeHead = function writeHeadKeepingVary(this: Tagged<ServerResponse>, status: unknown, message: unknown, headers: unknown) {
      const names = this[VARY];
      if (names !== undefined) {
        // `writeHead(status, [message,] headers)` sets those headers last: merge into them if they name Vary.
        const given = typeof message === 'object' && message !== null ? message : headers;
        const key = typeof given === 'object' && given !== null && !Array.isArray(given)
          ? Object.keys(given).find((name) => name.toLowerCase() === 'vary')
          : undefined;
        if (key === undefined) {
          addVary(this, names);
        } else {
          const value = (given as Record<string, string>)[key];
          const merged = { ...(given as object), [key]: mergeVary(value, names) ?? value };
          return given === message ? writeHead.call(this, status, merged) : writeHead.call(this, status, message, merged);
        }
      }
      return writeHead.apply(this, arguments as unknown as unknown[]);
    };
  }

  private installInServer(server: Server, hook: RequestHook): void {
    const listeners = server.listeners('request') as RequestListener[];
    const app = listeners.length === 1 ? listeners[0] : (request: IncomingMessage, response: ServerResponse) => {
      for (const listener of listeners) listener.call(server, request, response);
    };
    server.removeAllListeners('request');
    server.on('request', function corsPolicyServerHook(request: Tagged<IncomingMessage>, response: ServerResponse) {
      request[SEEN] = true;
      try {
        hook(request, response, () => app.call(server, request, response));
      } catch (error) {
        // The request goes on without CORS headers: nothing is granted, and the app still answers.
        response.headersSent || app.call(server, request, response);
        process.emitWarning(error as Error);
      }
    });
  }

  private installInExpress(hook: RequestHook): void {
    const layer: RequestHook = function corsPolicyHook(request: Tagged<PlatformRequest>, response, next) {
      if (request[SEEN]) next();
      else hook(request, response, next);
    };
    this.app.use(layer);
    const stack = this.app.router?.stack;
    const index = stack?.findIndex((entry) => entry.handle === layer) ?? -1;
    if (!stack || index < 0) {
      throw new Error('nestjs-cors-policy: cannot find the Express router stack to install the CORS hook in.');
    }
    stack.unshift(...stack.splice(index, 1));
  }
}

/** Express's own `req.path` (`parseurl`, the path its router matches), or `undefined` where it throws. */
function expressPathGetter(app: ExpressApp): (request: IncomingMessage) => string | undefined {
  let prototype: object | null = app.request;
  let descriptor: PropertyDescriptor | undefined;
  while (prototype !== null && descriptor === undefined) {
    descriptor = Object.getOwnPropertyDescriptor(prototype, 'path');
    prototype = Object.getPrototypeOf(prototype);
  }
  const get = descriptor?.get;
  if (get === undefined) throw new Error('nestjs-cors-policy: cannot find Express\'s request.path getter.');
  return (request) => {
    try {
      return get.call(request) as string | undefined;
    } catch {
      return undefined;
    }
  };
}
