import type { ServerResponse } from 'node:http';
import type { CompiledPolicy } from '../core/compile.js';
import {
  REFUSAL_TEXT,
  REFUSED_PREFLIGHT_STATUS,
  decidePreflight,
  type PreflightDecision,
  type PreflightRequest,
} from '../core/protocol.js';
import { appendVary } from '../core/vary.js';
import type { RefusalLog } from './refusal-log.js';
import { pathnameOf, type CorsRequest } from './request-facts.js';

/**
 * Answers a preflight with the policy of the route the actual request will reach, before Nest's
 * pipeline: guards, pipes and handlers do not run for it, unless the policy sets `preflightContinue`.
 */
export function handlePreflight(
  policy: CompiledPolicy,
  request: CorsRequest,
  response: ServerResponse,
  next: () => void,
  origin: string,
  requestedMethod: string,
  log: RefusalLog,
): void {
  const preflight: PreflightRequest = {
    origin,
    method: requestedMethod,
    headers: request.headers['access-control-request-headers'],
    privateNetwork: request.headers['access-control-request-private-network'] === 'true',
  };
  const verdict = policy.enabled ? policy.origin.match(origin, request) : false;
  const respond = (allowed: boolean) => {
    const decision = decidePreflight(policy, preflight, allowed);
    if (!decision.allowed) {
      log.refusal(`preflight for ${requestedMethod} ${pathnameOf(request.url)}`, policy.source, decision.reason, decision.value);
    }
    answer(policy, decision, response, next);
  };
  if (typeof verdict === 'boolean') respond(verdict);
  else verdict.then(respond);
}

function answer(policy: CompiledPolicy, decision: PreflightDecision, response: ServerResponse, next: () => void): void {
  appendVary(response, policy.preflightVary);
  if (!decision.allowed) {
    // Nothing that grants access, and a short reason for whoever debugs with curl; browsers show neither.
    const body = `CORS preflight refused: ${REFUSAL_TEXT[decision.reason]}`;
    response.statusCode = REFUSED_PREFLIGHT_STATUS;
    response.setHeader('Content-Type', 'text/plain; charset=utf-8');
    response.setHeader('Content-Length', Buffer.byteLength(body));
    response.end(body);
    return;
  }
  for (const [name, value] of decision.headers) response.setHeader(name, value);
  if (policy.preflightContinue) {
    next();
    return;
  }
  response.statusCode = decision.status;
  response.setHeader('Content-Length', '0');
  response.end();
}
