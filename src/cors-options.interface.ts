import type { CorsPathPolicy } from './core/path-policies.js';
import type { CorsOriginFunction, CorsOriginOption, CorsPolicyOptions } from './core/policy-options.js';

export type { CorsOriginFunction, CorsOriginOption, CorsPathPolicy, CorsPolicyOptions };

/** Options of `CorsModule.forRoot()`: the app-wide default policy, and how refusals are logged. */
export interface CorsModuleOptions extends CorsPolicyOptions {
  /**
   * Level of the one log line (context `CorsPolicy`) each refused request or preflight gets: `'debug'`
   * (the default), `'warn'` to see them in development without debug logs, or `false`.
   */
  logRefusals?: 'debug' | 'warn' | false;
  /**
   * Policies for requests that no controller route serves: a GraphQL endpoint, static files, webhooks
   * and health checks registered on the Express or Fastify instance. The first entry whose `path`
   * matches applies; controller routes keep their own policy, and a path that covers one fails the
   * start. `path` is in the platform's route syntax (`'/webhooks/*splat'` on Express, `'/webhooks/*'`
   * on Fastify). Default: none (the global policy).
   */
  paths?: readonly CorsPathPolicy[];
}

/** For `CorsModule.forRootAsync({ useClass })` and `{ useExisting }`. */
export interface CorsOptionsFactory {
  createCorsOptions(): CorsModuleOptions | Promise<CorsModuleOptions>;
}
