import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef, ModulesContainer } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { formatReport, reportPolicy, type CorsRoutePolicyReport } from '../core/report.js';
import type { HttpPlatform } from '../platform/http-platform.js';
import { platformFor } from '../platform/platform-for.js';
import { GatewayBinding } from '../websocket/gateway.binding.js';
import { CorsModuleMarker, importsCorsModule } from './cors-module.marker.js';
import { CorsPolicyRegistry } from './cors-policy.registry.js';
import { CorsRequestFlow } from './cors-request.flow.js';
import { CorsSetupError } from './cors-setup.error.js';
import { applicationConfigOf, assertSupportedNest, isLogLevelEnabled } from './nest-internals.js';

const ENABLE_CORS_BESIDE =
  'app.enableCors() (or NestFactory.create(…, { cors })) is used beside CorsModule: its headers would answer ' +
  'every route with one policy of its own (Access-Control-Allow-Origin: * by default, even with credentials), ' +
  'overriding the route policies. Remove it, and move its options into CorsModule.forRoot({ … }).';

/**
 * Binds the compiled policies to the app's HTTP platform in `onModuleInit`, which Nest runs once the
 * routes are registered and before the app serves: compiles the policies, asks the platform for its
 * router's answers, and installs the first layer. The platform itself is made earlier, while
 * `NestFactory.create()` builds the providers, so that it can watch the routes being registered.
 */
@Injectable()
export class CorsBinding implements OnModuleInit {
  private flow: CorsRequestFlow | undefined;
  private platform: HttpPlatform | undefined;
  private platformError: unknown;
  private reports: CorsRoutePolicyReport[] = [];
  private readonly gateways: GatewayBinding;

  constructor(
    private readonly registry: CorsPolicyRegistry,
    private readonly adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
    private readonly modules: ModulesContainer,
  ) {
    // Built during NestFactory.create(), before the app exists: every later app.enableCors() meets this,
    // and so does the `cors` option, which Nest applies in app.init().
    const adapter = adapterHost.httpAdapter as { enableCors?: (...args: unknown[]) => unknown } | undefined;
    if (adapter?.enableCors) {
      adapter.enableCors = () => {
        throw new CorsSetupError(ENABLE_CORS_BESIDE);
      };
    }
    // Before Nest registers the routes, which a platform may need to see registered (Fastify). A testing
    // module (Test.createTestingModule) builds the providers before it has an adapter: then in onModuleInit.
    if (adapterHost.httpAdapter) this.createPlatform();
    // Gateways' servers are made in app.init() before onModuleInit: their check is set as each is made.
    this.gateways = new GatewayBinding(registry, modules, applicationConfigOf(moduleRef));
  }

  private createPlatform(): void {
    try {
      this.platform = platformFor(this.adapterHost.httpAdapter, applicationConfigOf(this.moduleRef));
    } catch (error) {
      this.platformError = error;
    }
  }

  onModuleInit(): void {
    assertSupportedNest();
    this.refuseSecondModule();
    const config = applicationConfigOf(this.moduleRef);
    this.registry.compile(config);
    this.registry.warnIfNoOrigin();
    if (this.platform === undefined && this.platformError === undefined && this.adapterHost.httpAdapter) this.createPlatform();
    if (this.platformError !== undefined) throw this.platformError;
    const platform = this.platform;
    if (!platform) return this.gateways.httpFirstLayerInstalled();
    const foreign = platform.foreignCors();
    const refusal = (found: string) => new CorsSetupError(`${ENABLE_CORS_BESIDE} (Found: ${found}.)`);
    if (foreign !== undefined) throw refusal(foreign);
    platform.refuseLateForeignCors?.(refusal);
    const flow = new CorsRequestFlow(platform, this.registry.log);
    const resolver = platform.resolver(this.registry, flow.reached);
    this.reports = [
      ...resolver.routes().map(({ method, path, route }) => reportPolicy({ method, path, handler: route.name }, route.policy)),
      // After the routes, as they apply only where no route serves; for every method.
      ...this.registry.pathPolicies.map(({ path, source, policy }) => reportPolicy({ method: 'ALL', path, handler: source }, policy)),
    ];
    if (isLogLevelEnabled('debug')) {
      const logger = new Logger('CorsPolicy');
      for (const report of this.report()) logger.debug(formatReport(report));
    }
    flow.serve(resolver);
    this.flow = flow;
    this.gateways.httpFirstLayerInstalled();
  }

  /** The policy every route resolved to, in the router's order, then each path policy, then every WebSocket gateway's. */
  report(): CorsRoutePolicyReport[] {
    return [...this.reports, ...this.gateways.report()];
  }

  /**
   * Whether the request's `Origin` is one its route's policy names: listed, matched by a pattern or a
   * RegExp, or accepted synchronously by a function. Never through `'*'`, which trusts nobody in particular.
   */
  trustsOrigin(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (origin === undefined || this.flow === undefined) return false;
    const policy = this.flow.policyOf(request);
    return policy.enabled && !policy.origin.any && policy.origin.match(origin, request) === true;
  }

  /**
   * Two `forRoot()`s would each install a first layer with its own global policy: preflights would follow
   * one and actual requests both. Each dynamic `forRoot()` is a module of its own in the container.
   */
  private refuseSecondModule(): void {
    const corsModules = [...this.modules.values()].filter((module) => module.providers.has(CorsModuleMarker));
    if (corsModules.length < 2) return;
    // Global modules are bound into every module's imports: only the declared imports say who wrote it.
    const importers = [...this.modules.values()]
      .filter((module) => ((Reflect.getMetadata('imports', module.metatype) ?? []) as unknown[]).some(importsCorsModule))
      .map((module) => module.metatype.name);
    const by = importers.length > 0 ? ` (by ${importers.join(' and ')})` : '';
    throw new CorsSetupError(
      `CorsModule.forRoot() or forRootAsync() is imported ${corsModules.length} times${by}: each would install its own global policy. ` +
        'Import it once, in the root module (it is global), and give feature modules their policies with @Cors() on their controllers.',
    );
  }
}
