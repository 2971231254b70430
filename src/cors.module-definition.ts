import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CorsModuleOptions } from './cors-options.interface.js';

export const {
  ConfigurableModuleClass: ConfigurableCorsModule,
  MODULE_OPTIONS_TOKEN: CORS_MODULE_OPTIONS,
  ASYNC_OPTIONS_TYPE: CORS_MODULE_ASYNC_OPTIONS,
} = new ConfigurableModuleBuilder<CorsModuleOptions>({ moduleName: 'Cors' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createCorsOptions')
  .build();

/** Options of `CorsModule.forRootAsync()`: `useFactory` + `inject` + `imports`, `useClass` or `useExisting`. */
export type CorsModuleAsyncOptions = typeof CORS_MODULE_ASYNC_OPTIONS;
