import type { INestApplicationContext } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import type { CorsRoutePolicyReport } from './core/report.js';
import { CorsBinding } from './nest/cors.binding.js';

/**
 * The policy every route of an initialised app resolved to, with the source of each field: for a test
 * or a health endpoint that asserts e.g. "no route allows credentials from a wildcard pattern".
 */
export function getCorsPolicyReport(app: INestApplicationContext): CorsRoutePolicyReport[] {
  return app.get(CorsBinding, { strict: false }).report();
}

/**
 * An `exclude` predicate for `app.enableCsrfProtection()`: exempts a request from the CSRF check when its
 * route's CORS policy names its `Origin`, so trusted origins are listed once, in the CORS policy.
 * `'*'` trusts no one: a public route stays protected.
 *
 * ```ts
 * app.enableCsrfProtection({ exclude: trustCorsPolicyOrigins(app) });
 * ```
 */
export function trustCorsPolicyOrigins(app: INestApplicationContext): (request: IncomingMessage) => boolean {
  let binding: CorsBinding | undefined;
  return (request) => {
    const resolved: CorsBinding = binding ?? app.get(CorsBinding, { strict: false });
    binding = resolved;
    return resolved.trustsOrigin(request);
  };
}
