import { Inject, Injectable, Logger, VERSION_NEUTRAL, VersioningType, type Type } from '@nestjs/common';
import { ModulesContainer, type ApplicationConfig } from '@nestjs/core';
import { CORS_POLICY_METADATA, CORS_ROUTE_METADATA } from '../cors.constants.js';
import { CORS_MODULE_OPTIONS } from '../cors.module-definition.js';
import type { CorsModuleOptions } from '../cors-options.interface.js';
import { describeValue } from '../core/errors.js';
import { compilePolicy, intersectPolicies, type CompiledPolicy, type PolicyHooks } from '../core/compile.js';
import { mergePolicies, type MergedPolicy, type PolicyLayer } from '../core/merge.js';
import { readPathPolicies } from '../core/path-policies.js';
import type { CorsPolicyOptions } from '../core/policy-options.js';
import type { NestRoute, NestRoutes, PathPolicy } from '../platform/http-platform.js';
import { HOST_METADATA, VERSION_METADATA, routeDefinitionsOf, type RouteDefinition } from './nest-internals.js';
import { RefusalLog } from './refusal-log.js';

/** Which controller method a route handler function serves; one function can serve several (inheritance). */
interface RouteMark {
  readonly controller: Type;
  readonly definition: RouteDefinition;
}

/**
 * The app's compiled policies: the global default and one per route handler, merged field by field
 * (handler over controller over global). Compiled in `compile()`, during `app.init()`, so that a policy
 * that cannot work fails the start.
 */
@Injectable()
export class CorsPolicyRegistry implements NestRoutes {
  globalPolicy!: CompiledPolicy;
  pathPolicies: readonly PathPolicy[] = [];
  readonly log: RefusalLog;
  private readonly marks: RouteMark[] = [];
  private readonly routesByController = new Map<Type, Map<string, NestRoute>>();
  private readonly hooks: PolicyHooks;

  constructor(
    @Inject(CORS_MODULE_OPTIONS) private readonly options: CorsModuleOptions | undefined,
    private readonly modules: ModulesContainer,
  ) {
    this.log = new RefusalLog(options?.logRefusals ?? 'debug');
    this.hooks = {
      onOriginError: (source, error, origin) => this.log.originError(source, error, origin),
      originMatchers: new Map(),
    };
    // Providers are built before Nest registers the routes, which is when Nest copies a method's
    // metadata onto the handler it gives the router: the mark then tells a router handler's method.
    this.markRouteHandlers();
  }

  compile(config: ApplicationConfig): void {
    this.globalPolicy = compilePolicy(mergePolicies([this.globalLayer()]), this.hooks);
    // Merged over the global policy as a controller's @Cors() is; the platform's router reads the patterns.
    this.pathPolicies = readPathPolicies(this.options?.paths).map(({ path, source, policy }) => ({
      path,
      source,
      policy: compilePolicy(mergePolicies([this.globalLayer(), { source, policy }]), this.hooks),
    }));
    const versioning = config.getVersioning();
    const byController = new Map<Type, CompiledPolicy>();
    for (const { controller, definition } of this.marks) {
      let routes = this.routesByController.get(controller);
      if (routes === undefined) this.routesByController.set(controller, (routes = new Map()));
      if (routes.has(definition.methodName)) continue;
      // As Nest's `RoutesResolver` and `RouterExplorer`: the method's version, else the controller's,
      // else the default; checked by a filter unless versions are in the URI.
      const controllerVersion = versioning ? (Reflect.getMetadata(VERSION_METADATA, controller) ?? versioning.defaultVersion) : undefined;
      const version = versioning ? definition.version || controllerVersion : undefined;
      routes.set(definition.methodName, {
        name: `${controller.name}.${definition.methodName}`,
        policy: this.compileHandlerPolicy(controller, definition, byController),
        host: Reflect.getMetadata(HOST_METADATA, controller),
        // The adapter's filter lets every request through for VERSION_NEUTRAL, as for versions in the URI.
        filteredVersion: version && version !== VERSION_NEUTRAL && versioning!.type !== VersioningType.URI ? version : undefined,
      });
    }
  }

  /**
   * One warning when the global policy allows no origin and routes use it: an unset `CORS_ORIGINS` would
   * otherwise refuse every cross-origin request in silence. An explicit `origin: false` says it is meant.
   */
  warnIfNoOrigin(): void {
    if (!this.globalPolicy.enabled || !this.globalPolicy.origin.none || this.options?.origin === false) return;
    let inheriting = 0;
    for (const routes of this.routesByController.values()) {
      for (const { policy } of routes.values()) {
        if (policy.enabled && policy.origin.none && (policy.fieldSources.origin === 'global' || policy.fieldSources.origin === 'default')) inheriting++;
      }
    }
    if (inheriting === 0) return;
    const written = this.options?.origin === undefined ? 'is not set' : `is ${describeValue(this.options.origin)}`;
    new Logger('CorsPolicy').warn(
      `No origin is allowed: the global origin ${written}, so ${inheriting} route${inheriting === 1 ? '' : 's'} refuse every cross-origin request. ` +
        "Set it in CorsModule.forRoot({ origin: ['https://app.example.com'] }), or in forRootAsync's useFactory " +
        "(origin: config.getOrThrow('CORS_ORIGINS'), with CORS_ORIGINS=https://app.example.com in .env); write origin: false to keep every route closed without this warning.",
    );
  }

  routeOf(handler: Function): NestRoute | undefined {
    const marks: RouteMark[] | undefined = Reflect.getMetadata(CORS_ROUTE_METADATA, handler);
    if (marks === undefined) return undefined;
    let routes = marks
      .map(({ controller, definition }) => this.routesByController.get(controller)?.get(definition.methodName))
      .filter((route): route is NestRoute => route !== undefined);
    // A method inherited by several controllers: Nest names each handler `Controller.method`.
    if (routes.length > 1) routes = routes.filter((route) => route.name === handler.name);
    if (routes.length <= 1) return routes[0];
    return { ...routes[0], name: routes.map((route) => route.name).join(' | '), policy: this.intersect(routes.map((route) => route.policy)) };
  }

  intersect(policies: readonly CompiledPolicy[]): CompiledPolicy {
    return intersectPolicies(policies);
  }

  /**
   * A WebSocket gateway's policy: the gateway class's `@Cors()` over the global default, field by field,
   * validated as a controller's is. `undefined` for a server no gateway declared: the global policy.
   */
  compileGateway(gateway: Type | undefined): { merged: MergedPolicy; policy: CompiledPolicy } {
    const layers = [this.globalLayer()];
    if (gateway !== undefined) layers.push({ source: gateway.name, policy: readPolicy(gateway) });
    const merged = mergePolicies(layers);
    return { merged, policy: compilePolicy(merged, this.hooks) };
  }

  private markRouteHandlers(): void {
    for (const moduleRef of this.modules.values()) {
      for (const wrapper of moduleRef.controllers.values()) {
        const controller = wrapper.metatype as Type | undefined;
        if (!controller?.prototype) continue;
        const instance = (wrapper.instance as object | undefined) ?? Object.create(controller.prototype);
        for (const definition of routeDefinitionsOf(instance, controller.prototype)) {
          const callback = definition.targetCallback;
          const mark = { controller, definition };
          this.marks.push(mark);
          // Shared by every app in the process that serves this controller: each looks up its own policies.
          const marks: RouteMark[] = Reflect.getMetadata(CORS_ROUTE_METADATA, callback) ?? [];
          if (!marks.some((known) => known.controller === controller)) {
            Reflect.defineMetadata(CORS_ROUTE_METADATA, [...marks, mark], callback);
          }
        }
      }
    }
  }

  private compileHandlerPolicy(controller: Type, definition: RouteDefinition, byController: Map<Type, CompiledPolicy>): CompiledPolicy {
    const controllerLayer: PolicyLayer = { source: controller.name, policy: readPolicy(controller) };
    const handlerLayer: PolicyLayer = { source: `${controller.name}.${definition.methodName}`, policy: readPolicy(definition.targetCallback) };
    if (handlerLayer.policy !== undefined) {
      return compilePolicy(mergePolicies([this.globalLayer(), controllerLayer, handlerLayer]), this.hooks);
    }
    if (controllerLayer.policy === undefined) return this.globalPolicy;
    let compiled = byController.get(controller);
    if (compiled === undefined) byController.set(controller, (compiled = compilePolicy(mergePolicies([this.globalLayer(), controllerLayer]), this.hooks)));
    return compiled;
  }

  private globalLayer(): PolicyLayer {
    return { source: 'global', policy: this.options ?? {} };
  }
}

function readPolicy(target: object): CorsPolicyOptions | false | undefined {
  return Reflect.getMetadata(CORS_POLICY_METADATA, target);
}
