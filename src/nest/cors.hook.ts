import type { ServerResponse } from 'node:http';
import type { CompiledPolicy } from '../core/compile.js';
import { applyActualResponseHeaders } from '../core/protocol.js';
import type { CorsRoutePolicies } from './cors-route-policies.js';
import type { RequestHook } from './express-hook.js';
import { handlePreflight } from './preflight.handler.js';
import { pathnameOf, type CorsRequest } from './request-facts.js';

/**
 * The first thing every request meets: answers preflights and sets the CORS headers of actual requests
 * before body parsers, guards and handlers run, so their error responses carry the headers too.
 */
export function createCorsHook(policies: CorsRoutePolicies): RequestHook {
  return function corsPolicyHook(request: CorsRequest, response: ServerResponse, next: () => void): void {
    const origin = request.headers.origin;
    const method = request.method ?? 'GET';
    const pathname = pathnameOf(request.url);
    if (method === 'OPTIONS' && origin !== undefined) {
      const requestedMethod = request.headers['access-control-request-method'];
      if (requestedMethod !== undefined) {
        const policy = policies.preflightPolicyFor(requestedMethod.toUpperCase(), pathname);
        handlePreflight(policy, request, response, next, origin, requestedMethod, policies.log);
        return;
      }
    }

    const policy = policies.policyFor(method, pathname, request);
    if (origin === undefined) {
      applyActualResponseHeaders(policy, response, undefined, false);
      next();
      return;
    }
    if (!policy.enabled) {
      policies.log.refusal(`${method} ${pathname}`, policy.source, 'disabled', origin);
      next();
      return;
    }
    const verdict = policy.origin.match(origin, request);
    if (typeof verdict === 'boolean') {
      answerActual(policies, policy, response, method, pathname, origin, verdict);
      next();
    } else {
      verdict.then((allowed) => {
        answerActual(policies, policy, response, method, pathname, origin, allowed);
        next();
      });
    }
  };
}

function answerActual(
  policies: CorsRoutePolicies,
  policy: CompiledPolicy,
  response: ServerResponse,
  method: string,
  pathname: string,
  origin: string,
  allowed: boolean,
): void {
  if (!allowed) policies.log.refusal(`${method} ${pathname}`, policy.source, 'origin', origin);
  applyActualResponseHeaders(policy, response, origin, allowed);
}
