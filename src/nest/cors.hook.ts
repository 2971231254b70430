import type { ServerResponse } from 'node:http';
import { applyActualResponseHeaders } from '../core/protocol.js';
import type { CorsRoutePolicies } from './cors-route-policies.js';
import type { RequestHook } from './express-hook.js';
import { handlePreflight } from './preflight.handler.js';
import { APPLIED_POLICY, pathnameOf, type CorsRequest } from './request-facts.js';

/**
 * The first thing every request meets: answers preflights and sets the CORS headers of actual requests
 * before body parsers, guards and handlers run, so their error responses carry the headers too.
 */
export function createCorsHook(policies: CorsRoutePolicies): RequestHook {
  return function corsPolicyHook(request: CorsRequest, response: ServerResponse, next: () => void): void {
    const origin = request.headers.origin;
    const method = request.method ?? 'GET';
    if (method === 'OPTIONS' && origin !== undefined) {
      const requestedMethod = request.headers['access-control-request-method'];
      if (requestedMethod !== undefined) {
        const { policy } = policies.resolve(requestedMethod.toUpperCase(), pathnameOf(request.url));
        handlePreflight(policy, request, response, next, origin, requestedMethod);
        return;
      }
    }

    const { policy, exact } = policies.resolve(method, pathnameOf(request.url));
    if (!exact) request[APPLIED_POLICY] = policy;
    if (origin === undefined || !policy.enabled) {
      applyActualResponseHeaders(policy, response, undefined, false);
      next();
      return;
    }
    const verdict = policy.origin.match(origin, request);
    if (typeof verdict === 'boolean') {
      applyActualResponseHeaders(policy, response, origin, verdict);
      next();
    } else {
      verdict.then((allowed) => {
        applyActualResponseHeaders(policy, response, origin, allowed);
        next();
      });
    }
  };
}
