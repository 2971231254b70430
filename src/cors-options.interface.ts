import type { CorsOriginFunction, CorsOriginOption, CorsPolicyOptions } from './core/policy-options.js';

export type { CorsOriginFunction, CorsOriginOption, CorsPolicyOptions };

/** Options of `CorsModule.forRoot()`: the app-wide default policy, and how refusals are logged. */
export interface CorsModuleOptions extends CorsPolicyOptions {
  /**
   * Level of the one log line (context `CorsPolicy`) each refused request or preflight gets: `'debug'`
   * (the default), `'warn'` to see them in development without debug logs, or `false`.
   */
  logRefusals?: 'debug' | 'warn' | false;
}

/** For `CorsModule.forRootAsync({ useClass })` and `{ useExisting }`. */
export interface CorsOptionsFactory {
  createCorsOptions(): CorsModuleOptions | Promise<CorsModuleOptions>;
}
