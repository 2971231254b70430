/**
 * The CORS protocol of the Fetch standard (https://fetch.spec.whatwg.org/#http-cors-protocol), for one
 * compiled policy: request facts in, a decision and response headers out.
 */
import type { CompiledPolicy } from './compile.js';
import { isToken, parseRequestedHeaders } from './tokens.js';
import { appendVary, type HeaderSink } from './vary.js';

export const ALLOW_ORIGIN = 'Access-Control-Allow-Origin';
export const ALLOW_CREDENTIALS = 'Access-Control-Allow-Credentials';
export const EXPOSE_HEADERS = 'Access-Control-Expose-Headers';
export const ALLOW_METHODS = 'Access-Control-Allow-Methods';
export const ALLOW_HEADERS = 'Access-Control-Allow-Headers';
export const MAX_AGE = 'Access-Control-Max-Age';
export const ALLOW_PRIVATE_NETWORK = 'Access-Control-Allow-Private-Network';

/** What a preflight asks for (`OPTIONS` with `Origin` and `Access-Control-Request-Method`). */
export interface PreflightRequest {
  readonly origin: string;
  /** `Access-Control-Request-Method`. */
  readonly method: string;
  /** `Access-Control-Request-Headers`, as sent. */
  readonly headers: string | undefined;
  /** `Access-Control-Request-Private-Network: true`. */
  readonly privateNetwork: boolean;
}

export type RefusalReason = 'disabled' | 'origin' | 'method' | 'header' | 'private-network';

export type PreflightDecision =
  | { readonly allowed: true; readonly status: number; readonly headers: ReadonlyArray<readonly [string, string]> }
  | { readonly allowed: false; readonly reason: RefusalReason; readonly value: string };

/** A refused preflight's status: 403 says "not for you" without claiming the path does not exist. */
export const REFUSED_PREFLIGHT_STATUS = 403;

export const REFUSAL_TEXT: Readonly<Record<RefusalReason, string>> = {
  disabled: 'CORS is disabled for this route',
  origin: 'origin not allowed',
  method: 'method not allowed',
  header: 'request header not allowed',
  'private-network': 'private network access not allowed',
};

/**
 * Decides a preflight once the origin's verdict is known (it may have come from an async function).
 * Checks run in the order a browser's failure would be explained: origin, method, headers, private network.
 */
export function decidePreflight(policy: CompiledPolicy, request: PreflightRequest, originAllowed: boolean): PreflightDecision {
  if (!policy.enabled) return { allowed: false, reason: 'disabled', value: request.method };
  if (!originAllowed) return { allowed: false, reason: 'origin', value: request.origin };
  const method = request.method;
  if (!isToken(method)) return { allowed: false, reason: 'method', value: method };
  if (policy.methods !== undefined && !policy.methods.has(method) && !policy.methods.has(method.toUpperCase())) {
    return { allowed: false, reason: 'method', value: method };
  }
  const requested = request.headers === undefined ? [] : parseRequestedHeaders(request.headers);
  if (requested === undefined) return { allowed: false, reason: 'header', value: request.headers ?? '' };
  if (policy.headers !== undefined) {
    for (const name of requested) {
      if (!policy.headers.has(name)) return { allowed: false, reason: 'header', value: name };
    }
  }
  if (request.privateNetwork && !policy.allowPrivateNetwork) {
    return { allowed: false, reason: 'private-network', value: 'true' };
  }

  const headers: Array<readonly [string, string]> = [[ALLOW_ORIGIN, policy.allowAnyOrigin ? '*' : request.origin]];
  if (policy.credentials) headers.push([ALLOW_CREDENTIALS, 'true']);
  // `*` is a wildcard only without credentials; echoing the request works in both cases.
  headers.push([ALLOW_METHODS, policy.allowMethods ?? method]);
  const allowHeaders = policy.allowHeaders ?? requested.join(', ');
  if (allowHeaders !== '') headers.push([ALLOW_HEADERS, allowHeaders]);
  if (policy.maxAgeValue !== undefined) headers.push([MAX_AGE, policy.maxAgeValue]);
  if (request.privateNetwork) headers.push([ALLOW_PRIVATE_NETWORK, 'true']);
  return { allowed: true, status: policy.optionsSuccessStatus, headers };
}

/**
 * Headers of an actual request's response. `origin` is `undefined` when the request has none; a policy
 * that answers `*` still sends it then, so a cache may serve that response to any origin. A refused
 * origin gets no `Access-Control-*` header at all; the request is otherwise served as usual.
 */
export function applyActualResponseHeaders(
  policy: CompiledPolicy,
  response: HeaderSink,
  origin: string | undefined,
  originAllowed: boolean,
): void {
  if (!policy.enabled) return;
  if (policy.allowAnyOrigin) {
    response.setHeader(ALLOW_ORIGIN, '*');
    if (policy.exposeHeaders !== undefined) response.setHeader(EXPOSE_HEADERS, policy.exposeHeaders);
    return;
  }
  if (policy.varyOrigin) appendVary(response, 'Origin');
  if (origin === undefined || !originAllowed) return;
  response.setHeader(ALLOW_ORIGIN, origin);
  if (policy.credentials) response.setHeader(ALLOW_CREDENTIALS, 'true');
  if (policy.exposeHeaders !== undefined) response.setHeader(EXPOSE_HEADERS, policy.exposeHeaders);
}
