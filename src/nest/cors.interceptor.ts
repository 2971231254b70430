import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { Observable } from 'rxjs';
import { appendVary } from '../core/vary.js';
import type { CorsRoutePolicies } from './cors-route-policies.js';

/**
 * Puts `Origin` back into `Vary` after a handler's `@Header('Vary', …)`, which Nest applies with
 * `res.set()` once the hook has run, replacing the value. Attached by `CorsRoutePolicies` to those
 * handlers only; the hook does everything else.
 */
export class CorsInterceptor implements NestInterceptor {
  constructor(private readonly policies: CorsRoutePolicies) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const policy = this.policies.policyOfHandler(context.getClass(), context.getHandler());
      if (policy?.varyOrigin) appendVary(context.switchToHttp().getResponse<ServerResponse>(), 'Origin');
    }
    return next.handle();
  }
}
