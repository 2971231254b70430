import type { CorsOriginFunction, CorsOriginOption, CorsPolicyOptions } from './core/policy-options.js';

export type { CorsOriginFunction, CorsOriginOption, CorsPolicyOptions };

/** Options of `CorsModule.forRoot()`: the app-wide default policy. */
export type CorsModuleOptions = CorsPolicyOptions;

/** For `CorsModule.forRootAsync({ useClass })` and `{ useExisting }`. */
export interface CorsOptionsFactory {
  createCorsOptions(): CorsModuleOptions | Promise<CorsModuleOptions>;
}
