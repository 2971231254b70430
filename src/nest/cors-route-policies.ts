import { Inject, Injectable, Logger, type HttpServer, type OnModuleInit, type Type } from '@nestjs/common';
import { HEADERS_METADATA, INTERCEPTORS_METADATA } from '@nestjs/common/internal';
import { ApplicationConfig, HttpAdapterHost, ModuleRef, ModulesContainer } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { CORS_POLICY_METADATA } from '../cors.constants.js';
import { CORS_MODULE_OPTIONS } from '../cors.module-definition.js';
import type { CorsModuleOptions } from '../cors-options.interface.js';
import { compilePolicy, intersectPolicies, type CompiledPolicy, type PolicyHooks } from '../core/compile.js';
import { mergePolicies, type PolicyLayer } from '../core/merge.js';
import type { CorsPolicyOptions } from '../core/policy-options.js';
import { formatReport, reportPolicy, type CorsRoutePolicyReport } from '../core/report.js';
import { RouteIndex } from '../core/route-index.js';
import { CorsInterceptor } from './cors.interceptor.js';
import { createCorsHook } from './cors.hook.js';
import { installHook } from './express-hook.js';
import { RefusalLog } from './refusal-log.js';
import { pathnameOf } from './request-facts.js';
import { discoverRoutes, type DiscoveredRoute } from './route-discovery.js';

/** A route the index holds: its handler's policy, and the version filter Nest puts before it, if any. */
interface Candidate {
  readonly policy: CompiledPolicy;
  readonly accepts: ((request: IncomingMessage) => boolean) | undefined;
}

/** Every route registered with one path for one method. */
export interface RouteGroup {
  /**
   * What a preflight gets. A preflight names only the method, and carries no version header, so where
   * several handlers share the path and method it gets what every one of them grants.
   */
  readonly preflight: CompiledPolicy;
  /** The one policy of candidates without version filters; actual requests then need no selection. */
  readonly shared: CompiledPolicy | undefined;
  readonly candidates: readonly Candidate[];
}

/**
 * Holds the app's compiled policies: the global default, one per handler, and an index from method and
 * path to the routes a request reaches. Built in `onModuleInit`, when the global prefix and versioning
 * are final, so that a policy that cannot work fails `app.init()`.
 */
@Injectable()
export class CorsRoutePolicies implements OnModuleInit {
  private globalPolicy!: CompiledPolicy;
  private index!: RouteIndex<Candidate, RouteGroup>;
  private routeReports: CorsRoutePolicyReport[] = [];
  private readonly byHandler = new Map<Type, Map<Function, CompiledPolicy>>();
  readonly log: RefusalLog;
  private readonly hooks: PolicyHooks;

  constructor(
    @Inject(CORS_MODULE_OPTIONS) private readonly options: CorsModuleOptions | undefined,
    private readonly modules: ModulesContainer,
    private readonly adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
  ) {
    this.log = new RefusalLog(options?.logRefusals ?? 'debug');
    this.hooks = {
      onOriginError: (source, error, origin) => this.log.originError(source, error, origin),
      originMatchers: new Map(),
    };
    // Runs before Nest registers the routes, which is when a handler's interceptors are read.
    this.attachVaryInterceptor();
  }

  onModuleInit(): void {
    this.globalPolicy = compilePolicy(mergePolicies([this.globalLayer()]), this.hooks);
    const config = applicationConfigOf(this.moduleRef);
    const adapter: HttpServer | undefined = this.adapterHost.httpAdapter;
    const byController = new Map<Type, CompiledPolicy>();
    const routes = discoverRoutes(this.modules, config);
    const indexed = routes.map((route) => ({
      method: route.method,
      path: route.path,
      value: {
        policy: this.compileHandlerPolicy(route, byController),
        accepts: route.filteredVersion === undefined || !adapter ? undefined : versionFilter(adapter, route, config),
      },
    }));
    this.routeReports = routes.map((route, i) =>
      reportPolicy({ method: route.method, path: route.path, handler: `${route.controller.name}.${route.methodName}` }, indexed[i].value.policy),
    );
    if (Logger.isLevelEnabled('debug')) {
      const logger = new Logger('CorsPolicy');
      for (const report of this.routeReports) logger.debug(formatReport(report));
    }
    const matching = adapter?.getRouteMatchingOptions?.();
    this.index = new RouteIndex(
      indexed,
      { caseSensitive: matching?.caseSensitive ?? false, strict: matching ? !matching.ignoreTrailingSlash : false },
      (candidates): RouteGroup => {
        const policies = [...new Set(candidates.map((candidate) => candidate.policy))];
        const unfiltered = candidates.every((candidate) => candidate.accepts === undefined);
        return { preflight: intersectPolicies(policies), shared: unfiltered && policies.length === 1 ? policies[0] : undefined, candidates };
      },
    );
    if (adapter) installHook(adapter, createCorsHook(this));
  }

  /** What a preflight for `requestedMethod` on `pathname` gets: see {@link RouteGroup.preflight}. */
  preflightPolicyFor(requestedMethod: string, pathname: string): CompiledPolicy {
    return this.index.lookup(requestedMethod, pathname)?.preflight ?? this.globalPolicy;
  }

  /**
   * The policy of the handler an actual request reaches: the first candidate whose version filter lets it
   * through, as Express tries them; the global default for a path with no route, or when no candidate
   * takes the request (Nest answers 404).
   */
  policyFor(method: string, pathname: string, request: IncomingMessage): CompiledPolicy {
    const group = this.index.lookup(method, pathname);
    if (group === undefined) return this.globalPolicy;
    if (group.shared !== undefined) return group.shared;
    for (const candidate of group.candidates) {
      if (candidate.accepts === undefined || candidate.accepts(request)) return candidate.policy;
    }
    return this.globalPolicy;
  }

  /** The policy every route resolved to, in registration order. */
  report(): CorsRoutePolicyReport[] {
    return [...this.routeReports];
  }

  /**
   * Whether the request's `Origin` is one its route's policy names: listed, matched by a pattern or a
   * RegExp, or accepted synchronously by a function. Never through `'*'`, which trusts nobody in particular.
   */
  trustsOrigin(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin === undefined) return false;
    const policy = this.policyFor(request.method ?? 'GET', pathnameOf(request.url), request);
    return policy.enabled && !policy.origin.any && policy.origin.match(origin, request) === true;
  }

  /** The policy of a handler; `undefined` for a handler that is not a route. */
  policyOfHandler(controller: Type, handler: Function): CompiledPolicy | undefined {
    return this.byHandler.get(controller)?.get(handler);
  }

  private compileHandlerPolicy(route: DiscoveredRoute, byController: Map<Type, CompiledPolicy>): CompiledPolicy {
    const { controller, handler, methodName } = route;
    let handlers = this.byHandler.get(controller);
    if (handlers === undefined) this.byHandler.set(controller, (handlers = new Map()));
    const known = handlers.get(handler);
    if (known !== undefined) return known;

    const global = this.globalLayer();
    const controllerLayer = { source: controller.name, policy: readPolicy(controller) };
    const handlerLayer = { source: `${controller.name}.${methodName}`, policy: readPolicy(handler) };
    let compiled: CompiledPolicy;
    if (handlerLayer.policy !== undefined) {
      compiled = compilePolicy(mergePolicies([global, controllerLayer, handlerLayer]), this.hooks);
    } else if (controllerLayer.policy !== undefined) {
      compiled = byController.get(controller) ?? compilePolicy(mergePolicies([global, controllerLayer]), this.hooks);
      byController.set(controller, compiled);
    } else {
      compiled = this.globalPolicy;
    }
    handlers.set(handler, compiled);
    return compiled;
  }

  private globalLayer(): PolicyLayer {
    return { source: 'global', policy: this.options ?? {} };
  }

  /**
   * `@Header('Vary', …)` replaces the response's `Vary` after the hook has added `Origin` to it; those
   * handlers, and only those, get an interceptor that adds it back. Other routes pay nothing for it.
   */
  private attachVaryInterceptor(): void {
    const interceptor = new CorsInterceptor(this);
    for (const moduleRef of this.modules.values()) {
      for (const wrapper of moduleRef.controllers.values()) {
        const prototype = (wrapper.metatype as Type | undefined)?.prototype;
        if (!prototype) continue;
        for (const name of Object.getOwnPropertyNames(prototype)) {
          const handler = Object.getOwnPropertyDescriptor(prototype, name)?.value;
          if (typeof handler !== 'function') continue;
          const headers: Array<{ name: string }> | undefined = Reflect.getMetadata(HEADERS_METADATA, handler);
          if (!headers?.some((header) => header.name.toLowerCase() === 'vary')) continue;
          const interceptors = Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? [];
          if (!interceptors.includes(interceptor)) {
            Reflect.defineMetadata(INTERCEPTORS_METADATA, [...interceptors, interceptor], handler);
          }
        }
      }
    }
  }
}

function readPolicy(target: object): CorsPolicyOptions | false | undefined {
  return Reflect.getMetadata(CORS_POLICY_METADATA, target);
}

/** Nest's own version filter for the route, asked whether it would let the request through. */
function versionFilter(adapter: HttpServer, route: DiscoveredRoute, config: ApplicationConfig) {
  const filter = adapter.applyVersionFilter(() => true, route.filteredVersion!, config.getVersioning()!);
  return (request: IncomingMessage): boolean => filter(request, undefined, () => false) === (true as unknown);
}

/**
 * Nest does not offer `ApplicationConfig` (global prefix, versioning, route order) to providers; the
 * container that `ModuleRef` holds has it.
 */
function applicationConfigOf(moduleRef: ModuleRef): ApplicationConfig {
  const config = (moduleRef as unknown as { container?: { applicationConfig?: ApplicationConfig } }).container
    ?.applicationConfig;
  if (!(config instanceof ApplicationConfig)) {
    throw new Error('nestjs-cors-policy: cannot read the application configuration from this version of @nestjs/core.');
  }
  return config;
}
