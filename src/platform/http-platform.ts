import type { IncomingHttpHeaders } from 'node:http';
import type { CompiledPolicy } from '../core/compile.js';
import type { ActualDecision, PreflightDecision } from '../core/protocol.js';

/**
 * A request as the platform's handlers see it: Express's `req` (a Node `IncomingMessage`), Fastify's
 * `FastifyRequest`. It is what Nest's host filter, an origin function and the CSRF check get.
 */
export interface PlatformRequest {
  readonly method?: string;
  readonly headers: IncomingHttpHeaders;
}

/** A response as the platform's handlers see it: Express's `res` (a Node `ServerResponse`), Fastify's `FastifyReply`. */
export type PlatformResponse = object;

/** A request handler that runs before anything else of the app; `next` hands the request to the app. */
export type RequestHook = (request: PlatformRequest, response: PlatformResponse, next: () => void) => void;

/**
 * A route handler Nest registered, as the library knows it: its compiled policy, and the filters Nest
 * puts in front of it on platforms that filter inside the handler (Express: host and version; Fastify:
 * host, as versions are constraints of Fastify's router there).
 */
export interface NestRoute {
  /** `ReportsController.list`. */
  readonly name: string;
  readonly policy: CompiledPolicy;
  /** The controller's `host` option. */
  readonly host: string | RegExp | ReadonlyArray<string | RegExp> | undefined;
  /** The version a header, media-type or custom versioning filter checks; `undefined` for none. */
  readonly filteredVersion: unknown;
}

/**
 * A policy for requests to `path` that no controller route serves (the `paths` option), compiled and
 * merged over the global policy; its pattern is the platform router's to read.
 */
export interface PathPolicy {
  readonly path: string;
  /** `path policy '/graphql'`. */
  readonly source: string;
  readonly policy: CompiledPolicy;
}

/** What the Nest side tells a platform about the app's routes. */
export interface NestRoutes {
  readonly globalPolicy: CompiledPolicy;
  /** Where a request reaches no Nest handler: the first of these whose pattern matches, else the global policy. */
  readonly pathPolicies: readonly PathPolicy[];
  /**
   * The Nest route registered with this router handler, found through the metadata Nest copies from a
   * controller method onto the handler it registers; `undefined` for a handler Nest did not register.
   */
  routeOf(handler: Function): NestRoute | undefined;
  /** What several candidate handlers all grant, for a request that cannot tell them apart. */
  intersect(policies: readonly CompiledPolicy[]): CompiledPolicy;
}

/** A preflight whose path has routes, none of them for the requested method. */
export const UNROUTED_METHOD = Symbol('unrouted method');

/** The router's answer: which policy a request, or the actual request a preflight announces, gets. */
export interface RouteResolver {
  /**
   * The policy of the handler the request will reach; when it reaches none, the path policy whose
   * pattern matches, else the global policy.
   */
  actual(request: PlatformRequest): CompiledPolicy;
  /** The policy an actual `requestedMethod` request on the preflight's path would get. */
  preflight(requestedMethod: string, request: PlatformRequest): CompiledPolicy | typeof UNROUTED_METHOD;
  /** The path the router matches, for logs and refusal reasons. */
  pathOf(request: PlatformRequest): string;
  /** Every route the router holds for a Nest handler, in the router's order, for the policy report. */
  routes(): ReadonlyArray<{ readonly method: string; readonly path: string; readonly route: NestRoute }>;
}

/**
 * Called when the router dispatches a request to a Nest handler (after its filters accepted it), with
 * that handler's policy. The handler runs when it returns, or once the promise it returns settles.
 */
export type RouteReached = (request: PlatformRequest, response: PlatformResponse, policy: CompiledPolicy) => Promise<void> | undefined;

/** Everything that differs between HTTP platforms: where to run first, which route, how to write. */
export interface HttpPlatform {
  /** A CORS handler of the platform's own registered in the app (`app.enableCors()`), by name; `undefined` if none. */
  foreignCors(): string | undefined;
  /**
   * Where a platform loads plugins only as the app starts listening (Fastify), refuses one that
   * `foreignCors()` would have named: `refusal` is the error the start fails with.
   */
  refuseLateForeignCors?(refusal: (found: string) => Error): void;
  /** Runs `hook` before every other handler of the app (body parsers and `app.use()` middleware included). */
  installFirst(hook: RequestHook): void;
  /** Reads the router once Nest has registered the routes, and calls `reached` on every dispatch to a Nest handler. */
  resolver(routes: NestRoutes, reached: RouteReached): RouteResolver;
  /** Writes an actual request's decision; `origin` fills the headers that echo it. */
  writeActual(response: PlatformResponse, decision: ActualDecision, origin: string | undefined): void;
  /** Removes what `writeActual` wrote, before a different decision replaces it. */
  clearActual(response: PlatformResponse): void;
  /**
   * Writes a preflight's decision. An allowed preflight with `proceed` (preflightContinue) goes on to
   * the app's own `OPTIONS` handler; otherwise the answer ends the response.
   */
  answerPreflight(response: PlatformResponse, decision: PreflightDecision, proceed: (() => void) | undefined): void;
}
