// The public API as a consumer types it. Each tsconfig.*.json checks this file (or its .cts and .mts copies,
// made by scripts/consumer-apps.mjs) under one moduleResolution; `@ts-expect-error` fails if the types
// resolved to `any`.
import {
  Cors,
  CorsConfigurationError,
  CorsModule,
  getCorsPolicyReport,
  type CorsModuleOptions,
  type CorsRoutePolicyReport,
} from 'nestjs-cors-policy';

const options: CorsModuleOptions = { origin: ['http://localhost:5173'], credentials: true };
export const corsModule = CorsModule.forRoot(options);
// @ts-expect-error: an origin is a string, a RegExp, a function, a list or false, never a number
CorsModule.forRoot({ origin: 42 });
export const decorator: ClassDecorator & MethodDecorator = Cors({ exposedHeaders: ['X-Total-Count'] });
export const report: (app: Parameters<typeof getCorsPolicyReport>[0]) => CorsRoutePolicyReport[] = getCorsPolicyReport;
export const isConfigurationError = (error: unknown): boolean => error instanceof CorsConfigurationError;
