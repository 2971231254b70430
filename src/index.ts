export { CorsModule } from './cors.module.js';
export type { CorsModuleAsyncOptions } from './cors.module-definition.js';
export { Cors } from './cors.decorator.js';
export { getCorsPolicyReport, trustCorsPolicyOrigins } from './cors-policy.functions.js';
export type {
  CorsModuleOptions,
  CorsOptionsFactory,
  CorsOriginFunction,
  CorsOriginOption,
  CorsPathPolicy,
  CorsPolicyOptions,
} from './cors-options.interface.js';
export type { CorsRoutePolicyReport } from './core/report.js';
export { CorsConfigurationError } from './core/errors.js';
export { CorsSetupError } from './nest/cors-setup.error.js';
