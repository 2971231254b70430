import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { CorsModuleOptions } from './cors-options.interface.js';
import { ConfigurableCorsModule, type CorsModuleAsyncOptions } from './cors.module-definition.js';
import { CorsBinding } from './nest/cors.binding.js';
import { CorsModuleMarker } from './nest/cors-module.marker.js';
import { CorsPolicyRegistry } from './nest/cors-policy.registry.js';

/**
 * Import once, in the root module. `forRoot(options)` sets the app-wide default policy;
 * `forRootAsync({ imports, inject, useFactory })` reads it from configuration; `@Cors()` overrides it
 * per controller or handler.
 */
@Global()
@Module({ providers: [CorsPolicyRegistry, CorsBinding, CorsModuleMarker] })
export class CorsModule extends ConfigurableCorsModule {
  static forRoot(options: CorsModuleOptions = {}): DynamicModule {
    return super.forRoot(options);
  }

  static forRootAsync(options: CorsModuleAsyncOptions): DynamicModule {
    return super.forRootAsync(options);
  }
}
