import type { HttpServer } from '@nestjs/common';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { ACTUAL_RESPONSE_HEADERS, type ActualDecision, type PreflightDecision } from '../../core/protocol.js';
import { mergeVary } from '../../core/vary.js';
import type { HttpPlatform, NestRoutes, RequestHook, RouteReached, RouteResolver } from '../http-platform.js';
import { addVary, endPreflight, writeActualHeaders } from '../node-response.js';
import type { PathMatcher } from '../path-policies.js';
import { FastifyRouteResolver, REGISTRATION, type FastifyRequestLike, type FindMyWay, type Registration } from './fastify-router.js';

/** The parts of a `FastifyReply` the platform writes with. */
interface FastifyReplyLike {
  readonly raw: ServerResponse;
  code(status: number): FastifyReplyLike;
  header(name: string, value: string): FastifyReplyLike;
  getHeader(name: string): string | number | string[] | undefined;
  send(payload?: string): FastifyReplyLike;
  hijack(): FastifyReplyLike;
}

/** The parts of the Fastify instance the platform uses. */
interface FastifyInstanceLike {
  addHook(name: 'onRoute', hook: (options: RouteOptionsLike) => void): unknown;
  addHook(name: 'onReady', hook: (done: (error?: Error) => void) => void): unknown;
  hasPlugin(name: string): boolean;
  initialConfig: Record<string, unknown> & { routerOptions?: Record<string, unknown> };
}

/** What Fastify's `onRoute` hook gets: the route's options, which the hook may change. */
interface RouteOptionsLike {
  method: string | string[];
  url: string;
  handler: Function;
  constraints?: Record<string, unknown>;
  config?: Record<PropertyKey, unknown>;
}

/** The parts of `@nestjs/platform-fastify`'s `FastifyAdapter` the platform uses. */
interface FastifyAdapterLike extends HttpServer {
  getInstance(): FastifyInstanceLike;
  setOnRequestHook(hook: (request: unknown, reply: unknown, done: (error?: unknown) => void) => void): void;
  onRequestHook?: (request: unknown, reply: unknown, done: (error?: unknown) => void) => unknown;
  /** The request hook of `@fastify/cors` that `app.enableCors()` installed. */
  corsHook?: unknown;
  getRouteMatchingOptions?(): { caseSensitive: boolean; ignoreTrailingSlash: boolean; maxParamLength: number; useSemicolonDelimiter: boolean };
  requireNonEmptyParams?(url: unknown, handler: Function): Function;
  createRouteParamsMatcher?(url: string): ((request: unknown) => boolean) | undefined;
  setNotFoundHandler?(handler: Function, ...rest: unknown[]): unknown;
}

/** The `Vary` names a response's CORS decision needs, kept until its headers are written. */
const VARY = Symbol('nestjs-cors-policy.vary');
const WRITE_HEAD = Symbol('nestjs-cors-policy.writeHead');

type Tagged = ServerResponse & { [VARY]?: string; [WRITE_HEAD]?: ServerResponse['writeHead'] };

/**
 * `@nestjs/platform-fastify` (Fastify 5): the first layer is the hook the adapter's own first `onRequest`
 * hook runs (`setOnRequestHook()`), before middie (`app.use()` and Nest middleware), the body parsers,
 * the CSRF check, guards and handlers; the route comes from Fastify's routing (see
 * `FastifyRouteResolver`); headers are written to the Node response (`reply.raw`), which Fastify merges
 * into every response it sends, errors and 404s included.
 */
export class FastifyPlatform implements HttpPlatform {
  private readonly instance: FastifyInstanceLike;
  private readonly registrations: Registration[] = [];
  private readonly versions = new Set<unknown>();
  private readonly router: FindMyWay;

  /** Built while `NestFactory.create()` runs, before Nest registers any route. */
  constructor(private readonly adapter: FastifyAdapterLike) {
    this.instance = adapter.getInstance();
    this.router = this.createRouter();
    this.recordRegistrations();
  }

  /**
   * `@fastify/cors`, registered by `app.enableCors()` (the adapter keeps its hook) or with
   * `app.register()`; either would answer preflights and set headers of its own.
   */
  foreignCors(): string | undefined {
    if (this.adapter.corsHook !== undefined) return '@fastify/cors (app.enableCors())';
    if (this.instance.hasPlugin('@fastify/cors')) return '@fastify/cors (app.register())';
    return undefined;
  }

  /** A plugin registered before `app.listen()` loads as Fastify gets ready, after `onModuleInit`. */
  refuseLateForeignCors(refusal: (found: string) => Error): void {
    this.instance.addHook('onReady', (done: (error?: Error) => void) => {
      const found = this.foreignCors();
      done(found === undefined ? undefined : refusal(found));
    });
  }

  /**
   * The adapter runs this hook first in the `onRequest` hook its constructor adds, ahead of the 503 of a
   * closing app, `@fastify/cors`, the CSRF check and middie. A hook already set runs after it.
   */
  installFirst(hook: RequestHook): void {
    const previous = this.adapter.onRequestHook;
    this.adapter.setOnRequestHook(function corsPolicyHook(this: unknown, request, reply, done) {
      // `done` completes once (the adapter guards it), so a previous hook may call it, return a promise, or both.
      const next = previous === undefined
        ? () => done()
        : () => {
            const result = previous.call(this, request, reply, done) as Promise<unknown> | undefined;
            if (typeof result?.then === 'function') result.then(() => done(), (error: unknown) => done(error ?? new Error('onRequest hook rejected')));
          };
      try {
        hook(request as FastifyRequestLike, reply as object, next);
      } catch (error) {
        // The request goes on without CORS headers: nothing is granted, and the app still answers.
        process.emitWarning(error as Error);
        if (!(reply as FastifyReplyLike).raw.headersSent) next();
      }
    });
  }

  resolver(routes: NestRoutes, reached: RouteReached): RouteResolver {
    const resolver = new FastifyRouteResolver(this.router, this.registrations, routes, this.adapter, this.versions, (pattern) => this.pathMatcher(pattern));
    this.reachNotFound(resolver, reached);
    return resolver;
  }

  /**
   * A path policy's pattern compiled by find-my-way as Fastify compiles a route's path, with Fastify's
   * router options (case sensitivity, trailing slashes, duplicate slashes): a router of its own holds
   * it. Throws find-my-way's error for a pattern Fastify refuses.
   */
  private pathMatcher(pattern: string): PathMatcher {
    const router = this.createRouter();
    router.on('GET', pattern, {}, noop, pattern);
    return (url) => router.find('GET', url) !== null;
  }

  writeActual(reply: FastifyReplyLike, decision: ActualDecision, origin: string | undefined): void {
    writeActualHeaders(reply.raw, decision, origin);
    if (decision.vary !== undefined) keepVaryOnWrite(reply.raw, decision.vary);
  }

  clearActual(reply: FastifyReplyLike): void {
    for (const name of ACTUAL_RESPONSE_HEADERS) reply.raw.removeHeader(name);
  }

  /**
   * A preflight that the library answers is written to the Node response, the reply hijacked: nothing
   * after the first hook runs for it (as on Express, where it is answered before Express), and it
   * skips Fastify's serialisation and `onSend` hooks, which have nothing to do for an empty answer.
   * Fastify still runs the `onResponse` hooks.
   */
  answerPreflight(reply: FastifyReplyLike, decision: PreflightDecision, proceed: (() => void) | undefined): void {
    if (proceed !== undefined && decision.allowed) {
      // The app's own OPTIONS handler answers: the headers go where its headers cannot replace them.
      for (const [name, value] of decision.headers) reply.raw.setHeader(name, value);
      keepVary(reply.raw, decision.vary);
      proceed();
      return;
    }
    reply.hijack();
    if (decision.vary !== undefined) reply.raw.setHeader('Vary', decision.vary);
    endPreflight(reply.raw, decision);
  }

  /**
   * Records every route Fastify registers from now on, in order, as the `onRoute` hook sees it, into the
   * preflight router, and marks it in its `config` so that a routed request leads back to it.
   *
   * The adapter wraps the handler of a path with parameters in its checks for empty ones and for those
   * find-my-way reads otherwise than path-to-regexp (`requireNonEmptyParams()`), a function that keeps
   * the handler's name but not the metadata Nest copied onto it: the handler is taken while the adapter
   * wraps it. The adapter then wraps a probe the same way, whose answer says whether its checks let a
   * request through; the parameter matcher it builds for the path (`createRouteParamsMatcher()`) is
   * built once, so that its warning about a misread path is logged once.
   */
  private recordRegistrations(): void {
    const adapter = this.adapter;
    const requireNonEmptyParams = adapter.requireNonEmptyParams;
    const createRouteParamsMatcher = adapter.createRouteParamsMatcher;
    const wrapped = new WeakMap<Function, { handler: Function; passesParamChecks: Registration['passesParamChecks'] }>();
    if (requireNonEmptyParams !== undefined) {
      if (createRouteParamsMatcher !== undefined) {
        const matchers = new Map<string, ReturnType<typeof createRouteParamsMatcher>>();
        adapter.createRouteParamsMatcher = function buildParamsMatcherOnce(this: unknown, url: string) {
          if (!matchers.has(url)) matchers.set(url, createRouteParamsMatcher.call(this, url));
          return matchers.get(url);
        };
      }
      adapter.requireNonEmptyParams = function recordHandler(this: unknown, url: unknown, handler: Function) {
        const result = requireNonEmptyParams.call(this, url, handler);
        if (result !== handler) {
          const probe = requireNonEmptyParams.call(this, url, reachedProbe) as (request: unknown, reply: unknown) => unknown;
          wrapped.set(result, { handler, passesParamChecks: (request) => probe.call(undefined, request, PROBE_REPLY) === REACHED });
        }
        return result;
      };
    }
    this.instance.addHook('onRoute', (options) => {
      const known = wrapped.get(options.handler);
      const handler = known?.handler ?? options.handler;
      const registration: Registration = {
        method: options.method,
        url: options.url,
        handler,
        byFastify: false,
        passesParamChecks: known?.passesParamChecks,
      };
      const version = options.constraints?.version;
      if (version !== undefined) for (const value of [version].flat()) this.versions.add(value);
      try {
        this.router.on(options.method, options.url, { constraints: options.constraints }, noop, registration);
      } catch {
        // Fastify ignores a duplicate of the HEAD route it adds for a GET route; so does this router.
        return;
      }
      (registration as { byFastify: boolean }).byFastify = isExposedHead(options.method, options.url, handler, this.registrations);
      this.registrations.push(registration);
      options.config = { ...options.config, [REGISTRATION]: registration };
    });
  }

  /**
   * Every 404 goes through the handler Nest gives `setNotFoundHandler()` (registered after
   * `onModuleInit`), the requests Fastify did not route and those Nest sends there from a route
   * (`reply.callNotFound()`): all get the policy of a request without a route (a path policy, or the
   * global policy).
   */
  private reachNotFound(resolver: FastifyRouteResolver, reached: RouteReached): void {
    const setNotFoundHandler = this.adapter.setNotFoundHandler;
    if (setNotFoundHandler === undefined) return;
    this.adapter.setNotFoundHandler = function reachGlobalPolicy(this: unknown, handler: Function, ...rest: unknown[]) {
      const notFound = function corsPolicyNotFound(this: unknown, request: FastifyRequestLike, reply: object) {
        const pending = reached(request, reply, resolver.policyWithoutRoute(request));
        if (pending === undefined) return handler.call(this, request, reply);
        return pending.then(() => handler.call(this, request, reply));
      };
      return setNotFoundHandler.call(this, notFound, ...rest);
    };
  }

  /** A `find-my-way` router with Fastify's router options, from the copy Fastify itself depends on. */
  private createRouter(): FindMyWay {
    const requireAdapter = createRequire(resolveFrom(['@nestjs/platform-fastify/package.json'], [...(process.argv[1] ? [process.argv[1]] : []), join(process.cwd(), 'package.json')]));
    const requireFastify = createRequire(requireAdapter.resolve('fastify'));
    const FindMyWay = requireFastify('find-my-way') as (options: object) => FindMyWay;
    const config = this.instance.initialConfig;
    const routerOptions = config.routerOptions ?? {};
    const matching = this.adapter.getRouteMatchingOptions?.();
    // `initialConfig` is frozen, and find-my-way marks the strategies it is given: each gets a copy.
    const constraints: Record<string, object> = {};
    for (const [name, strategy] of Object.entries((routerOptions.constraints ?? {}) as Record<string, object>)) constraints[name] = { ...strategy };
    return FindMyWay({
      ...routerOptions,
      constraints,
      ignoreDuplicateSlashes: Boolean(routerOptions.ignoreDuplicateSlashes ?? config.ignoreDuplicateSlashes),
      allowUnsafeRegex: Boolean(routerOptions.allowUnsafeRegex ?? config.allowUnsafeRegex),
      ...(matching && {
        caseSensitive: matching.caseSensitive,
        ignoreTrailingSlash: matching.ignoreTrailingSlash,
        maxParamLength: matching.maxParamLength,
        useSemicolonDelimiter: matching.useSemicolonDelimiter,
      }),
    });
  }
}

function noop(): void {}

const REACHED = Symbol('reached');
/** Stands for the handler in the adapter's parameter checks: answers that the checks let the request through. */
function reachedProbe(): typeof REACHED {
  return REACHED;
}
/** The reply the probe's checks get: `callNotFound()` is how they refuse, and the probe then returns nothing. */
const PROBE_REPLY = { callNotFound(): void {} };

/** The first of `specifiers` resolvable from the library, else from the app (a strict installer may hide it from us). */
function resolveFrom(specifiers: string[], places: string[]): string {
  for (const place of places) {
    for (const specifier of specifiers) {
      try {
        return createRequire(place).resolve(specifier);
      } catch {
        // try the next place
      }
    }
  }
  throw new Error(`nestjs-cors-policy: cannot find ${specifiers.join(' or ')}, which the Fastify platform reads its router from.`);
}

/** The HEAD route Fastify adds after a GET route (`exposeHeadRoutes`): same handler and path, right after it. */
function isExposedHead(method: string | string[], url: string, handler: Function, registrations: readonly Registration[]): boolean {
  const previous = registrations[registrations.length - 1];
  return method === 'HEAD' && previous !== undefined && previous.url === url && [previous.method].flat().includes('GET') && previous.handler === handler;
}

/**
 * Adds the decision's `Vary` names back at the moment the headers are written: Fastify writes the
 * reply's own headers (`reply.header()`, `@Header('Vary', …)`) last, over those of the Node response.
 * Set on the response itself, as Fastify's responses share Node's prototype with every other server.
 */
function keepVary(response: Tagged, names: string): void {
  addVary(response, names);
  keepVaryOnWrite(response, names);
}

function keepVaryOnWrite(response: Tagged, names: string): void {
  response[VARY] = names;
  if (response[WRITE_HEAD] === undefined) {
    response[WRITE_HEAD] = response.writeHead;
    response.writeHead = writeHeadKeepingVary as ServerResponse['writeHead'];
  }
}

function writeHeadKeepingVary(this: Tagged, status: number, message?: unknown, headers?: unknown): ServerResponse {
  const writeHead = this[WRITE_HEAD]! as (...args: unknown[]) => ServerResponse;
  const names = this[VARY]!;
  const given = typeof message === 'object' && message !== null ? message : headers;
  const key = typeof given === 'object' && given !== null && !Array.isArray(given)
    ? Object.keys(given).find((name) => name.toLowerCase() === 'vary')
    : undefined;
  if (key === undefined) {
    const merged = mergeVary(this.getHeader('Vary'), names);
    if (merged !== undefined) this.setHeader('Vary', merged);
    return writeHead.apply(this, arguments as unknown as unknown[]);
  }
  const value = (given as Record<string, string>)[key];
  const withVary = { ...(given as object), [key]: mergeVary(value, names) ?? value };
  return given === message ? writeHead.call(this, status, withVary) : writeHead.call(this, status, message, withVary);
}
