import type { HttpServer } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { CompiledPolicy } from '../../core/compile.js';
import type { ShadowedRoute } from '../../core/path-policies.js';
import { hostFilter } from '../../nest/nest-internals.js';
import { UNROUTED_METHOD, type NestRoute, type NestRoutes, type PlatformRequest, type RouteResolver } from '../http-platform.js';
import { PathPolicies, type PathMatcher } from '../path-policies.js';

/** The parts of a Fastify request the resolver reads. */
export interface FastifyRequestLike extends PlatformRequest {
  readonly raw: IncomingMessage;
  readonly url: string;
  readonly params: unknown;
  /** Fastify's own record of the route it matched: its `config` is the route's `config` option, copied. */
  readonly routeOptions: { readonly config?: Record<PropertyKey, unknown> };
}

/** The parts of a `find-my-way` router (the one Fastify depends on) the resolver uses. */
export interface FindMyWay {
  on(method: string | string[], path: string, options: { constraints?: object }, handler: Function, store: unknown): void;
  find(method: string, path: string, derivedConstraints?: object): { store: unknown; params: Record<string, string> } | null;
  constrainer: { deriveConstraints(request: IncomingMessage, context: unknown): Record<string, unknown> | undefined };
}

/**
 * One route Fastify registered, as the `onRoute` hook saw it. The same object is the route's store in
 * the preflight router and a `config` entry of the route in Fastify's own router, so that both answers
 * lead back to it.
 */
export interface Registration {
  readonly method: string | string[];
  readonly url: string;
  /** The handler Nest gave the adapter, before the adapter wrapped it. */
  readonly handler: Function;
  /** Added by Fastify itself: the `HEAD` route of a `GET` route. */
  readonly byFastify: boolean;
  /**
   * Whether the adapter's parameter checks let a request through to the handler, by the adapter's own
   * wrapper around a probe; `undefined` where the adapter did not wrap the handler (no parameters).
   */
  readonly passesParamChecks: ((request: { params: unknown; raw: IncomingMessage }) => boolean) | undefined;
  /** Filled once the policies are compiled. */
  step?: Step;
}

/** What a request matched to a registration gets. */
interface Step {
  /** `undefined`: a route Nest did not register (added with Fastify itself). */
  readonly route: NestRoute | undefined;
  /** Nest's host filter in the handler: a refused host is answered 404 (Fastify has no next route). */
  readonly host: ((request: unknown) => boolean) | undefined;
}

/** A `config` key of every route the library saw registered. */
export const REGISTRATION = Symbol('nestjs-cors-policy.route');

/** Nest answers 404 instead of running the handler: an empty parameter, a host the controller is not bound to. */
const NOT_FOUND = Symbol('not found');

/**
 * Answers "which handler will this request reach" with Fastify's own routing:
 *
 * - an actual request is routed by Fastify before the first `onRequest` hook runs, so the route is
 *   the one Fastify matched (the registration in its `config`), then the checks Nest makes inside the
 *   handler, with Nest's own code: the adapter's parameter checks and the controller's host filter;
 * - a preflight is an `OPTIONS` request, which Fastify routed for `OPTIONS`. The route an actual request
 *   with the requested method would reach comes from a second `find-my-way` router — the package
 *   Fastify routes with, with Fastify's router options and constraint strategies (Nest's version
 *   constraint among them) — holding every route Fastify registered, in the same order, fed by
 *   Fastify's `onRoute` hook. Fastify's own router cannot be asked: `fastify.findRoute()` returns its
 *   shared internal handler, not the route.
 */
export class FastifyRouteResolver implements RouteResolver {
  /** The version values the routes are constrained to: a preflight may be followed by any of them. */
  private readonly versions: unknown[];
  private readonly methods: string[];
  /**
   * The adapter's own test of a request target (`isRoutableRequestTarget()`): it sends one that does not
   * start with `/` (`*users`, which find-my-way routes as `/users`) to the 404 handler.
   */
  private readonly routable: (url: string) => boolean;
  private readonly paths: PathPolicies;

  constructor(
    private readonly router: FindMyWay,
    private readonly registrations: readonly Registration[],
    private readonly nest: NestRoutes,
    adapter: HttpServer & { isRoutableRequestTarget?(url: string): boolean },
    versions: ReadonlySet<unknown>,
    /** Compiles a path policy's pattern as Fastify's router compiles a route's path. */
    pathMatcher: (pattern: string) => PathMatcher,
  ) {
    this.versions = [...versions];
    this.routable = adapter.isRoutableRequestTarget?.bind(adapter) ?? (() => true);
    const methods = new Set<string>();
    for (const registration of registrations) {
      for (const method of [registration.method].flat()) methods.add(method);
      const route = nest.routeOf(registration.handler);
      registration.step = {
        route,
        host: route?.host === undefined ? undefined : hostFilter(adapter, route.host),
      };
    }
    this.methods = [...methods];
    this.paths = new PathPolicies(nest.pathPolicies, nest.globalPolicy, 'fastify', pathMatcher);
    this.paths.refuseShadowing(() => this.routes(), (pattern) => this.routeCovering(pattern));
  }

  /**
   * The policy of a request that reaches no Nest handler (a route added with Fastify itself, a 404):
   * the path policy whose pattern matches the request target, as find-my-way reads it, else the global
   * policy.
   */
  policyWithoutRoute(request: FastifyRequestLike): CompiledPolicy {
    if (this.paths.none) return this.nest.globalPolicy;
    const url = request.raw.url ?? '/';
    return this.routable(url) ? this.paths.policyOf(url) : this.nest.globalPolicy;
  }

  pathOf(request: FastifyRequestLike): string {
    const url = request.url;
    const query = url.indexOf('?');
    return query < 0 ? url : url.slice(0, query);
  }

  actual(request: FastifyRequestLike): CompiledPolicy {
    const registration = request.routeOptions.config?.[REGISTRATION] as Registration | undefined;
    if (registration === undefined) return this.policyWithoutRoute(request);
    const policy = this.policyOf(registration, request, request);
    return policy === NOT_FOUND ? this.policyWithoutRoute(request) : policy;
  }

  /**
   * The candidates of a preflight: the route for each version a request may carry (the preflight
   * carries none), then what Nest answers there. Every candidate's policy must grant the preflight;
   * a possible 404 brings in the global policy, as on Express.
   */
  preflight(requestedMethod: string, request: FastifyRequestLike): CompiledPolicy | typeof UNROUTED_METHOD {
    if (!this.routable(request.raw.url ?? '/')) return this.nest.globalPolicy;
    const method = this.methods.includes(requestedMethod) ? requestedMethod : requestedMethod.toUpperCase();
    const candidates: CompiledPolicy[] = [];
    let notFound = false;
    for (const constraints of this.constraintsOf(request)) {
      const found = this.router.find(method, request.raw.url ?? '/', constraints);
      const policy = found === null ? NOT_FOUND : this.policyOf(found.store as Registration, { params: found.params, raw: request.raw }, request);
      if (policy === NOT_FOUND) notFound = true;
      else if (!candidates.includes(policy)) candidates.push(policy);
    }
    if (candidates.length === 0) return this.hasRouteFor(request) ? UNROUTED_METHOD : this.policyWithoutRoute(request);
    if (notFound) {
      const fallback = this.policyWithoutRoute(request);
      if (!candidates.includes(fallback)) candidates.push(fallback);
    }
    return candidates.length === 1 ? candidates[0] : this.nest.intersect(candidates);
  }

  routes(): Array<{ method: string; path: string; route: NestRoute }> {
    const found: Array<{ method: string; path: string; route: NestRoute }> = [];
    for (const registration of this.registrations) {
      const route = registration.step?.route;
      if (route === undefined || registration.byFastify) continue;
      // Nest's `@All()` registers one route for every method the instance supports.
      const methods = Array.isArray(registration.method) ? (registration.method.length > 1 ? ['ALL'] : registration.method) : [registration.method];
      for (const method of methods) found.push({ method, path: registration.url, route });
    }
    return found;
  }

  /**
   * `matched`: the route's parameters and the raw request, as the router matched them (for a preflight,
   * those of the route the actual request would reach); `request`: the request, for the host filter.
   */
  private policyOf(
    registration: Registration,
    matched: { params: unknown; raw: IncomingMessage },
    request: FastifyRequestLike,
  ): CompiledPolicy | typeof NOT_FOUND {
    const step = registration.step;
    if (step === undefined || step.route === undefined) return this.policyWithoutRoute(request);
    // An empty parameter, or one find-my-way reads otherwise than path-to-regexp: the adapter answers 404.
    if (registration.passesParamChecks !== undefined && !registration.passesParamChecks(matched)) return NOT_FOUND;
    if (step.host !== undefined && !step.host(request)) return NOT_FOUND;
    return step.route.policy;
  }

  /** The first Nest route that find-my-way finds for `pattern` read as a request target, for any method and version. */
  private routeCovering(pattern: string): ShadowedRoute | undefined {
    const constraints = [undefined, ...this.versions.map((version) => ({ version }))];
    for (const method of this.methods) {
      for (const constraint of constraints) {
        let registration: Registration | undefined;
        try {
          registration = this.router.find(method, pattern, constraint)?.store as Registration | undefined;
        } catch {
          continue; // a pattern that is no request target the router can read: no route serves it
        }
        const route = registration?.step?.route;
        if (route !== undefined) return { method: [registration!.method].flat().length > 1 ? 'ALL' : method, path: registration!.url, handler: route.name };
      }
    }
    return undefined;
  }

  /** Whether any route serves the preflight's path, for any method, on this host. */
  private hasRouteFor(request: FastifyRequestLike): boolean {
    for (const method of this.methods) {
      for (const constraints of this.constraintsOf(request)) {
        const found = this.router.find(method, request.raw.url ?? '/', constraints);
        if (found !== null && this.policyOf(found.store as Registration, { params: found.params, raw: request.raw }, request) !== NOT_FOUND) return true;
      }
    }
    return false;
  }

  /**
   * The constraints the router derives from the preflight (host, custom strategies), then the same with
   * each version a route is constrained to: the actual request may carry any of them.
   */
  private constraintsOf(request: FastifyRequestLike): Array<Record<string, unknown> | undefined> {
    const derived = this.router.constrainer.deriveConstraints(request.raw, undefined);
    if (this.versions.length === 0) return [derived];
    return [derived, ...this.versions.map((version) => ({ ...derived, version }))];
  }
}
