import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { from, switchMap, type Observable } from 'rxjs';
import { applyActualResponseHeaders, isPreflight, removeActualResponseHeaders } from '../core/protocol.js';
import { appendVary } from '../core/vary.js';
import { CorsRoutePolicies } from './cors-route-policies.js';
import { APPLIED_POLICY, type CorsRequest } from './request-facts.js';

/**
 * Applies the policy of the handler that actually runs. The hook has already set the headers from the
 * method and path; this corrects them where those could not name one handler (several header-versioned
 * handlers on one path, a route the index does not know), and puts `Origin` back into `Vary` when the
 * route's `@Header('Vary', …)` replaced the value.
 */
@Injectable()
export class CorsInterceptor implements NestInterceptor {
  constructor(private readonly policies: CorsRoutePolicies) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<CorsRequest>();
    const response = http.getResponse<ServerResponse>();
    const policy = this.policies.policyOfHandler(context.getClass(), context.getHandler());
    if (policy === undefined || isPreflight(request.method ?? '', request.headers.origin, request.headers['access-control-request-method'])) {
      return next.handle();
    }
    const applied = request[APPLIED_POLICY];
    if (applied === undefined || applied === policy) {
      if (policy.varyOrigin) appendVary(response, 'Origin');
      return next.handle();
    }
    removeActualResponseHeaders(response);
    const origin = request.headers.origin;
    const verdict = origin === undefined || !policy.enabled ? false : policy.origin.match(origin, request);
    if (typeof verdict === 'boolean') {
      applyActualResponseHeaders(policy, response, origin, verdict);
      return next.handle();
    }
    return from(verdict).pipe(
      switchMap((allowed) => {
        applyActualResponseHeaders(policy, response, origin, allowed);
        return next.handle();
      }),
    );
  }
}
