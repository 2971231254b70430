import type { HttpServer } from '@nestjs/common';
import type { ApplicationConfig } from '@nestjs/core';
import { METHODS, type IncomingMessage } from 'node:http';
import type { CompiledPolicy } from '../../core/compile.js';
import { hostFilter, versionFilter } from '../../nest/nest-internals.js';
import type { ShadowedRoute } from '../../core/path-policies.js';
import { UNROUTED_METHOD, type NestRoute, type NestRoutes, type RouteReached, type RouteResolver } from '../http-platform.js';
import { PathPolicies, type PathMatcher } from '../path-policies.js';

/** The parts of Express's router (the `router` package, v2) the resolver reads. */
interface RouterLayer {
  handle: Function;
  /** The `Route` of a layer made by `app.get()` & co.; `undefined` for middleware. */
  route?: ExpressRoute;
  /** A middleware layer mounted at `/`, which matches every path without a RegExp. */
  slash?: boolean;
  match(path: string): unknown;
}

interface ExpressRoute {
  path: string | string[];
  methods: Record<string, boolean>;
  stack: InnerLayer[];
  _handlesMethod(method: string): boolean;
}

interface InnerLayer {
  handle: Function;
  /** Lower-case method; `undefined` for `all()`. */
  method?: string;
}

/** One handler a request can reach on its way through the router. */
interface Step {
  /** `undefined`: a handler Nest did not register (a route added with Express itself). */
  readonly route: NestRoute | undefined;
  /** Nest's host filter in front of the handler. */
  readonly host: ((request: IncomingMessage) => boolean) | undefined;
  /** The platform's version filter in front of the handler. */
  readonly version: ((request: IncomingMessage) => boolean) | undefined;
}

/** The handlers a method and path can reach, in the router's order, up to the first one without a filter. */
interface Resolution {
  readonly steps: readonly Step[];
  /**
   * The policy when there is no step or the first one has no filter: what almost every request gets,
   * looked up once.
   */
  readonly fixed: CompiledPolicy | undefined;
  /**
   * The policy where the request reaches no Nest handler: the matching path policy, else the global
   * policy. Looked up only when the first step is not an unfiltered Nest handler, which never needs it.
   */
  readonly fallback: CompiledPolicy;
}

const RAW_HANDLER: Step = { route: undefined, host: undefined, version: undefined };
/** Nest's own 404 handler, which it mounts on paths excluded from the global prefix: no handler at all. */
const NOT_FOUND: Step = { route: undefined, host: undefined, version: undefined };
/** Methods no route names share one cache: only `all()` routes serve them. */
const ANY_OTHER_METHOD = '\0other';
const CACHED_PATHS = 1024;

/**
 * Answers "which handler will this request reach" by walking Express's own router stack the way the
 * router does: each layer's own `match()` (its compiled path, strict and case-sensitivity settings),
 * the route's own `_handlesMethod()`, in stack order, then the filters Nest puts inside the handler
 * (host, version) as Nest and the adapter build them. Only the choice among a route's inner handlers
 * by method is repeated here, as `Route.dispatch` makes it.
 *
 * Every Nest handler is also wrapped, so that when Express really dispatches to it, `reached` gets that
 * handler's policy: an actual request is served with the policy of the handler that runs even when
 * something changed the request after the first layer (a middleware that rewrites `req.url`).
 */
export class ExpressRouteResolver implements RouteResolver {
  private readonly cache = new Map<string, Map<string, Resolution>>();
  private cachedStackLength = -1;
  private readonly steps = new WeakMap<InnerLayer, Step>();
  private readonly namedMethods: Set<string>;
  private readonly paths: PathPolicies;

  constructor(
    private readonly stack: RouterLayer[],
    private readonly nest: NestRoutes,
    private readonly adapter: HttpServer,
    private readonly config: ApplicationConfig,
    private readonly reached: RouteReached,
    private readonly pathGetter: (request: IncomingMessage) => string | undefined,
    private readonly notFoundHandlers: ReadonlySet<Function>,
    /** The prototype Express gives its requests, whose getters (`hostname`) Nest's filters read. */
    private readonly requestPrototype: object,
    /** Compiles a path policy's pattern as Express compiles a route's path. */
    pathMatcher: (pattern: string) => PathMatcher,
  ) {
    this.namedMethods = new Set(['HEAD']);
    for (const layer of stack) {
      if (!layer.route) continue;
      for (const method of Object.keys(layer.route.methods)) this.namedMethods.add(method.toUpperCase());
      for (const inner of layer.route.stack) this.stepOf(inner);
    }
    this.paths = new PathPolicies(nest.pathPolicies, nest.globalPolicy, 'express', pathMatcher);
    this.paths.refuseShadowing(() => this.routes(), (pattern) => this.routeCovering(pattern));
  }

  pathOf(request: IncomingMessage): string {
    return this.pathGetter(request) ?? request.url ?? '/';
  }

  actual(request: IncomingMessage): CompiledPolicy {
    const path = this.pathGetter(request);
    if (path === undefined) return this.nest.globalPolicy;
    const resolution = this.resolve(request.method ?? 'GET', path);
    if (resolution.fixed !== undefined) return resolution.fixed;
    for (const step of resolution.steps) {
      if ((step.host === undefined || step.host(request)) && (step.version === undefined || step.version(request))) {
        return step.route?.policy ?? resolution.fallback;
      }
    }
    return resolution.fallback;
  }

  /**
   * The host is known and filters exactly; the version is not: a preflight carries no version header
   * (or `Accept`) of the actual request. Every version-filtered handler the request may reach is a
   * candidate, and the preflight gets what all candidates grant; so does a request that may end in a
   * 404, with the global policy among them.
   */
  preflight(requestedMethod: string, request: IncomingMessage): CompiledPolicy | typeof UNROUTED_METHOD {
    const path = this.pathGetter(request);
    if (path === undefined) return this.nest.globalPolicy;
    const candidates: CompiledPolicy[] = [];
    let unconditional = false;
    const resolution = this.resolve(requestedMethod, path);
    for (const step of resolution.steps) {
      if (step.host !== undefined && !step.host(request)) continue;
      candidates.push(step.route?.policy ?? resolution.fallback);
      if (step.version === undefined) {
        unconditional = true;
        break;
      }
    }
    if (candidates.length === 0) return this.hasRouteFor(path, request) ? UNROUTED_METHOD : resolution.fallback;
    if (!unconditional) candidates.push(resolution.fallback);
    return candidates.length === 1 ? candidates[0] : this.nest.intersect(candidates);
  }

  routes(): Array<{ method: string; path: string; route: NestRoute }> {
    const found: Array<{ method: string; path: string; route: NestRoute }> = [];
    for (const layer of this.stack) {
      if (!layer.route) continue;
      const methodsByHandler = new Map<NestRoute, string[]>();
      for (const inner of layer.route.stack) {
        const route = this.stepOf(inner).route;
        if (route === undefined) continue;
        const methods = methodsByHandler.get(route) ?? [];
        methodsByHandler.set(route, [...methods, inner.method?.toUpperCase() ?? 'ALL']);
      }
      const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
      for (const [route, methods] of methodsByHandler) {
        // Express's `app.all()` registers the handler once per method Node knows.
        const all = methods.includes('ALL') || METHODS.every((method) => methods.includes(method));
        for (const path of paths) {
          for (const method of all ? ['ALL'] : methods) found.push({ method, path: String(path), route });
        }
      }
    }
    return found;
  }

  private resolve(method: string, path: string): Resolution {
    if (this.stack.length !== this.cachedStackLength) {
      this.cache.clear();
      this.cachedStackLength = this.stack.length;
    }
    const key = this.namedMethods.has(method) ? method : this.namedMethods.has(method.toUpperCase()) ? method.toUpperCase() : ANY_OTHER_METHOD;
    let paths = this.cache.get(key);
    if (paths === undefined) this.cache.set(key, (paths = new Map()));
    let resolution = paths.get(path);
    if (resolution === undefined) {
      // Emptied when full, so that random paths cannot grow it.
      if (paths.size >= CACHED_PATHS) paths.clear();
      resolution = this.walk(key, path);
      paths.set(path, resolution);
    }
    return resolution;
  }

  private walk(method: string, path: string): Resolution {
    const steps: Step[] = [];
    const done = (): Resolution => {
      const first = steps[0];
      const unfiltered = first !== undefined && first.host === undefined && first.version === undefined;
      // A Nest handler answers: path policies are not asked (nor is their matcher run).
      if (unfiltered && first.route !== undefined) return { steps, fixed: first.route.policy, fallback: this.nest.globalPolicy };
      const fallback = this.paths.none ? this.nest.globalPolicy : this.paths.policyOf(path);
      return { steps, fixed: first === undefined || unfiltered ? fallback : undefined, fallback };
    };
    for (const layer of this.stack) {
      const matched = this.matches(layer, path);
      // A layer whose path cannot be decoded (a malformed percent-escape) makes Express skip every
      // route after it and answer 400: no handler runs, and the global policy applies.
      if (matched === undefined) return done();
      if (!matched || !layer.route || !layer.route._handlesMethod(method)) continue;
      const dispatched = dispatchMethodOf(layer.route, method);
      for (const inner of layer.route.stack) {
        if (inner.method !== undefined && inner.method !== dispatched) continue;
        const step = this.stepOf(inner);
        if (step === NOT_FOUND) return done();
        steps.push(step);
        if (step.host === undefined && step.version === undefined) return done();
      }
    }
    return done();
  }

  /** The first Nest route whose own path matches `pattern` read as a request path, for any method. */
  private routeCovering(pattern: string): ShadowedRoute | undefined {
    for (const layer of this.stack) {
      if (!layer.route || !this.matches(layer, pattern)) continue;
      for (const inner of layer.route.stack) {
        const route = this.stepOf(inner).route;
        if (route !== undefined) return { method: inner.method?.toUpperCase() ?? 'ALL', path: String(layer.route.path), handler: route.name };
      }
    }
    return undefined;
  }

  /** Whether any route serves the path, for any method, on this host. */
  private hasRouteFor(path: string, request: IncomingMessage): boolean {
    for (const layer of this.stack) {
      if (!layer.route) continue;
      const matched = this.matches(layer, path);
      if (matched === undefined) return false;
      if (!matched) continue;
      for (const inner of layer.route.stack) {
        const step = this.stepOf(inner);
        if (step !== NOT_FOUND && (step.host === undefined || step.host(request))) return true;
      }
    }
    return false;
  }

  /** `true`, `false`, or `undefined` when the layer throws while matching, as Express's own loop sees it. */
  private matches(layer: RouterLayer, path: string): boolean | undefined {
    if (!layer.route && layer.slash) return true;
    try {
      return Boolean(layer.match(path));
    } catch {
      return undefined;
    }
  }

  private stepOf(inner: InnerLayer): Step {
    let step = this.steps.get(inner);
    if (step !== undefined) return step;
    const route = this.nest.routeOf(inner.handle);
    if (this.notFoundHandlers.has(inner.handle)) {
      step = NOT_FOUND;
    } else if (route === undefined) {
      step = RAW_HANDLER;
    } else {
      step = {
        route,
        host: route.host === undefined ? undefined : this.asExpressRequest(hostFilter(this.adapter, route.host)),
        version: route.filteredVersion === undefined ? undefined : this.asExpressRequest(versionFilter(this.adapter, route.filteredVersion, this.config)),
      };
      this.wrap(inner, step, route.policy);
    }
    this.steps.set(inner, step);
    return step;
  }

  /**
   * Nest's filters read Express's request getters (`req.hostname`). Before Express has the request, they
   * get a view with Express's prototype over the request's own headers and socket: giving the request
   * itself that prototype this early would cost every request (V8 slows objects whose prototype changes
   * before their properties are added).
   */
  private asExpressRequest(filter: (request: unknown) => boolean): (request: IncomingMessage) => boolean {
    const prototype = this.requestPrototype;
    return (request) => {
      if (Object.getPrototypeOf(request) === prototype) return filter(request);
      const view = Object.create(prototype) as Record<string, unknown>;
      view.headers = request.headers;
      view.socket = request.socket;
      view.url = request.url;
      view.method = request.method;
      return filter(view);
    };
  }

  private wrap(inner: InnerLayer, step: Step, policy: CompiledPolicy): void {
    const handle = inner.handle as (request: IncomingMessage, response: never, next: unknown) => unknown;
    const reached = this.reached;
    const { host, version } = step;
    inner.handle = function corsPolicyRouteReached(request: IncomingMessage, response: never, next: unknown) {
      // A filter that refuses the request passes it on to the next route; the handler does not run.
      if ((host !== undefined && !host(request)) || (version !== undefined && !version(request))) return handle(request, response, next);
      const pending = reached(request, response, policy);
      if (pending === undefined) return handle(request, response, next);
      return pending.then(() => handle(request, response, next));
    };
  }
}

/** The method `Route.dispatch` picks inner handlers by: lower case, `HEAD` served by `GET` handlers. */
function dispatchMethodOf(route: ExpressRoute, method: string): string {
  const lower = method.toLowerCase();
  return lower === 'head' && !route.methods.head ? 'get' : lower;
}

/**
 * A path policy's pattern compiled by Express's own router as `app.get(pattern)` would compile it: a
 * router over the app's (its `caseSensitive` and `strict` settings) with a stack of its own, so
 * nothing is added to the app. Throws path-to-regexp's error for a pattern Express refuses.
 */
export function expressPathMatcher(router: object): (pattern: string) => PathMatcher {
  return (pattern) => {
    const scratch = Object.create(router) as { stack: RouterLayer[]; route(path: string): unknown };
    scratch.stack = [];
    scratch.route(pattern);
    const layer = scratch.stack[0];
    return (path) => {
      try {
        return Boolean(layer.match(path));
      } catch {
        // A malformed percent-escape in a parameter: Express answers 400 there without running anything.
        return false;
      }
    };
  };
}
