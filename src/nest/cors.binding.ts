import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost, ModuleRef } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { formatReport, reportPolicy, type CorsRoutePolicyReport } from '../core/report.js';
import { platformFor } from '../platform/platform-for.js';
import { CorsPolicyRegistry } from './cors-policy.registry.js';
import { CorsRequestFlow } from './cors-request.flow.js';
import { applicationConfigOf } from './nest-internals.js';

/**
 * Binds the compiled policies to the app's HTTP platform in `onModuleInit`, which Nest runs once the
 * routes are registered and before the app serves: compiles the policies, asks the platform for its
 * router's answers, and installs the first layer.
 */
@Injectable()
export class CorsBinding implements OnModuleInit {
  private flow: CorsRequestFlow | undefined;
  private reports: CorsRoutePolicyReport[] = [];

  constructor(
    private readonly registry: CorsPolicyRegistry,
    private readonly adapterHost: HttpAdapterHost,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    const config = applicationConfigOf(this.moduleRef);
    this.registry.compile(config);
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return;
    const platform = platformFor(adapter, config);
    const flow = new CorsRequestFlow(platform, this.registry.log);
    const resolver = platform.resolver(this.registry, flow.reached);
    this.reports = resolver.routes().map(({ method, path, route }) => reportPolicy({ method, path, handler: route.name }, route.policy));
    if (Logger.isLevelEnabled('debug')) {
      const logger = new Logger('CorsPolicy');
      for (const report of this.reports) logger.debug(formatReport(report));
    }
    flow.serve(resolver);
    this.flow = flow;
  }

  /** The policy every route resolved to, in the router's order. */
  report(): CorsRoutePolicyReport[] {
    return [...this.reports];
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
}
