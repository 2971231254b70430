import { Inject, Injectable, type HttpServer, type OnModuleInit, type Type } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModuleRef, ModulesContainer } from '@nestjs/core';
import { CORS_POLICY_METADATA } from '../cors.constants.js';
import { CORS_MODULE_OPTIONS } from '../cors.module-definition.js';
import type { CorsModuleOptions } from '../cors-options.interface.js';
import { compilePolicy, intersectPolicies, type CompiledPolicy } from '../core/compile.js';
import { mergePolicies } from '../core/merge.js';
import type { CorsPolicyOptions } from '../core/policy-options.js';
import { RouteIndex } from '../core/route-index.js';
import { installFirst } from './express-hook.js';
import { createCorsHook } from './cors.hook.js';
import { discoverRoutes } from './route-discovery.js';

/** The policy a request reaches, and whether it is the exact policy of the handler that will run. */
export interface ResolvedPolicy {
  readonly policy: CompiledPolicy;
  /**
   * `false` when the path has no route (the global default answers) or several routes share the path
   * and method (their intersection answers): the interceptor then applies the handler's own policy.
   */
  readonly exact: boolean;
}

/**
 * Holds the app's compiled policies: the global default, one per handler, and an index from method and
 * path to the policy a request reaches. Built in `onModuleInit`, when the global prefix and versioning
 * are final, so that a policy that cannot work fails `app.init()`.
 */
@Injectable()
export class CorsRoutePolicies implements OnModuleInit {
  private global!: ResolvedPolicy;
  private index!: RouteIndex<CompiledPolicy, ResolvedPolicy>;
  private readonly byHandler = new Map<Type, Map<Function, CompiledPolicy>>();

  constructor(
    @Inject(CORS_MODULE_OPTIONS) private readonly options: CorsModuleOptions | undefined,
    private readonly modules: ModulesContainer,
    private readonly adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    const globalPolicy = compilePolicy(mergePolicies([{ source: 'global', policy: this.options ?? {} }]));
    this.global = { policy: globalPolicy, exact: false };
    const config = applicationConfigOf(this.moduleRef);
    const routes = discoverRoutes(this.modules, config);
    const byController = new Map<Type, CompiledPolicy>();
    const indexed = routes.map((route) => ({
      method: route.method,
      path: route.path,
      value: this.compileHandlerPolicy(route.controller, route.methodName, route.handler, globalPolicy, byController),
    }));
    const adapter: HttpServer | undefined = this.adapterHost.httpAdapter;
    const matching = adapter?.getRouteMatchingOptions?.();
    this.index = new RouteIndex(
      indexed,
      { caseSensitive: matching?.caseSensitive ?? false, strict: matching ? !matching.ignoreTrailingSlash : false },
      (policies) => ({ policy: intersectPolicies(policies), exact: new Set(policies).size === 1 }),
    );
    if (adapter) installFirst(adapter, createCorsHook(this));
  }

  /** The policy for a request to `pathname` with `method` (for a preflight: the requested method). */
  resolve(method: string, pathname: string): ResolvedPolicy {
    return this.index.lookup(method, pathname) ?? this.global;
  }

  /** The policy of the handler that serves a request; `undefined` for a handler that is not a route. */
  policyOfHandler(controller: Type, handler: Function): CompiledPolicy | undefined {
    return this.byHandler.get(controller)?.get(handler);
  }

  private compileHandlerPolicy(
    controller: Type,
    methodName: string,
    handler: Function,
    globalPolicy: CompiledPolicy,
    byController: Map<Type, CompiledPolicy>,
  ): CompiledPolicy {
    let handlers = this.byHandler.get(controller);
    if (handlers === undefined) this.byHandler.set(controller, (handlers = new Map()));
    const known = handlers.get(handler);
    if (known !== undefined) return known;

    const controllerPolicy = readPolicy(controller);
    const handlerPolicy = readPolicy(handler);
    let compiled: CompiledPolicy;
    if (handlerPolicy !== undefined) {
      compiled = compilePolicy(
        mergePolicies([
          { source: 'global', policy: this.options ?? {} },
          { source: controller.name, policy: controllerPolicy },
          { source: `${controller.name}.${methodName}`, policy: handlerPolicy },
        ]),
      );
    } else if (controllerPolicy !== undefined) {
      compiled = byController.get(controller) ?? compilePolicy(
        mergePolicies([
          { source: 'global', policy: this.options ?? {} },
          { source: controller.name, policy: controllerPolicy },
        ]),
      );
      byController.set(controller, compiled);
    } else {
      compiled = globalPolicy;
    }
    handlers.set(handler, compiled);
    return compiled;
  }
}

function readPolicy(target: object): CorsPolicyOptions | false | undefined {
  return Reflect.getMetadata(CORS_POLICY_METADATA, target);
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
