/**
 * The CORS protocol of the Fetch standard (https://fetch.spec.whatwg.org/#http-cors-protocol), for one
 * compiled policy: request facts in, a decision as data out. Writing it into a response is the HTTP
 * platform's job.
 */
import type { CompiledPolicy } from './compile.js';
import { isToken, parseRequestedHeaders } from './tokens.js';

export const ALLOW_ORIGIN = 'Access-Control-Allow-Origin';
export const ALLOW_CREDENTIALS = 'Access-Control-Allow-Credentials';
export const EXPOSE_HEADERS = 'Access-Control-Expose-Headers';
export const ALLOW_METHODS = 'Access-Control-Allow-Methods';
export const ALLOW_HEADERS = 'Access-Control-Allow-Headers';
export const MAX_AGE = 'Access-Control-Max-Age';
export const ALLOW_PRIVATE_NETWORK = 'Access-Control-Allow-Private-Network';
export const TIMING_ALLOW_ORIGIN = 'Timing-Allow-Origin';

/** Every header an actual response's decision may set: what a later, different decision must remove first. */
export const ACTUAL_RESPONSE_HEADERS: readonly string[] = [ALLOW_ORIGIN, ALLOW_CREDENTIALS, EXPOSE_HEADERS, TIMING_ALLOW_ORIGIN];

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

/** A preflight's facts, from its request headers (lower-case names, as Node gives them). */
export function preflightRequestOf(origin: string, method: string, headers: Readonly<Record<string, string | string[] | undefined>>): PreflightRequest {
  const requested = headers['access-control-request-headers'];
  return {
    origin,
    method,
    headers: Array.isArray(requested) ? requested.join(', ') : requested,
    privateNetwork: headers['access-control-request-private-network'] === 'true',
  };
}

export type RefusalReason = 'disabled' | 'origin' | 'method' | 'header' | 'private-network' | 'no-route';

/** A refused preflight, or the refusal behind an actual response that grants nothing. */
export interface Refusal {
  readonly allowed: false;
  readonly reason: RefusalReason;
  /** The request value that failed: the origin, the method, the header name; `PUT /path` for `no-route`. */
  readonly value: string;
}

export type PreflightDecision =
  | {
      readonly allowed: true;
      readonly status: number;
      readonly headers: ReadonlyArray<readonly [string, string]>;
      /** Names the answer's `Vary` must list. */
      readonly vary: string;
    }
  | (Refusal & { readonly vary: string | undefined });

/** What an actual response gets: prepared once per policy, so a request allocates nothing. */
export interface ActualDecision {
  /** Headers whose value is the request's own `Origin` (allow-origin, timing-allow-origin). */
  readonly originHeaders: readonly string[];
  /** Headers with values fixed at start-up. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Names the response's `Vary` must list, whatever the app sets later. */
  readonly vary: string | undefined;
  /** Why nothing is granted to a request that has an `Origin`. */
  readonly refusal: 'disabled' | 'origin' | undefined;
}

/** A policy's three possible actual-request decisions. */
export interface ActualDecisions {
  readonly granted: ActualDecision;
  readonly refused: ActualDecision;
  readonly withoutOrigin: ActualDecision;
}

/** A refused preflight's status: 403 says "not for you" without claiming the path does not exist. */
export const REFUSED_PREFLIGHT_STATUS = 403;

export const REFUSAL_TEXT: Readonly<Record<RefusalReason, string>> = {
  disabled: 'CORS is disabled for this route',
  origin: 'origin not allowed',
  method: 'method not allowed',
  header: 'request header not allowed',
  'private-network': 'private network access not allowed',
  'no-route': 'method not allowed',
};

/** The reason as a sentence with the value that failed: `origin not allowed: 'https://evil.example'`. */
export function describeRefusal(refusal: Pick<Refusal, 'reason' | 'value'>, quote: (value: string) => string = (value) => `'${value}'`): string {
  if (refusal.reason === 'disabled') return REFUSAL_TEXT.disabled;
  if (refusal.reason === 'no-route') {
    const space = refusal.value.indexOf(' ');
    return `${REFUSAL_TEXT['no-route']}: no ${refusal.value.slice(0, space)} route for ${refusal.value.slice(space + 1)}`;
  }
  return `${REFUSAL_TEXT[refusal.reason]}: ${quote(refusal.value)}`;
}

/** The plain-text body of a refused preflight: browsers show nothing of it, curl does. */
export function refusalBody(refusal: Pick<Refusal, 'reason' | 'value'>): string {
  return `CORS preflight refused: ${refusal.reason === 'disabled' || refusal.reason === 'no-route' ? describeRefusal(refusal) : REFUSAL_TEXT[refusal.reason]}`;
}

/** `Vary` of a preflight answer: it depends on the origin and on what the preflight asks for. */
export function preflightVaryOf(allowPrivateNetwork: boolean): string {
  const names = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
  return allowPrivateNetwork ? `${names}, Access-Control-Request-Private-Network` : names;
}

/**
 * A preflight for a method that no route of its path serves: the actual request would get a 404 or a
 * 405, so nothing is granted, and the reason says so instead of blaming the origin.
 */
export function refuseUnroutedMethod(method: string, pathname: string): PreflightDecision {
  return { allowed: false, reason: 'no-route', value: `${method} ${pathname}`, vary: preflightVaryOf(false) };
}

/**
 * Decides a preflight once the origin's verdict is known (it may have come from an async function).
 * Checks run in the order a browser's failure would be explained: origin, method, headers, private network.
 */
export function decidePreflight(policy: CompiledPolicy, request: PreflightRequest, originAllowed: boolean): PreflightDecision {
  const vary = policy.preflightVary;
  if (!policy.enabled) return { allowed: false, reason: 'disabled', value: request.method, vary };
  if (!originAllowed) return { allowed: false, reason: 'origin', value: request.origin, vary };
  const method = request.method;
  if (!isToken(method)) return { allowed: false, reason: 'method', value: method, vary };
  if (policy.methods !== undefined && !policy.methods.has(method) && !policy.methods.has(method.toUpperCase())) {
    return { allowed: false, reason: 'method', value: method, vary };
  }
  const requested = request.headers === undefined ? [] : parseRequestedHeaders(request.headers);
  if (requested === undefined) return { allowed: false, reason: 'header', value: request.headers ?? '', vary };
  if (policy.headers !== undefined) {
    for (const name of requested) {
      if (!policy.headers.has(name)) return { allowed: false, reason: 'header', value: name, vary };
    }
  }
  if (request.privateNetwork && !policy.allowPrivateNetwork) {
    return { allowed: false, reason: 'private-network', value: 'true', vary };
  }

  const headers: Array<readonly [string, string]> = [[ALLOW_ORIGIN, policy.allowAnyOrigin ? '*' : request.origin]];
  if (policy.credentials) headers.push([ALLOW_CREDENTIALS, 'true']);
  // `*` is a wildcard only without credentials; echoing the request works in both cases.
  headers.push([ALLOW_METHODS, policy.allowMethods ?? method]);
  const allowHeaders = policy.allowHeaders ?? requested.join(', ');
  if (allowHeaders !== '') headers.push([ALLOW_HEADERS, allowHeaders]);
  if (policy.maxAgeValue !== undefined) headers.push([MAX_AGE, policy.maxAgeValue]);
  if (request.privateNetwork) headers.push([ALLOW_PRIVATE_NETWORK, 'true']);
  return { allowed: true, status: policy.optionsSuccessStatus, headers, vary };
}

/**
 * The decision for an actual request. `origin` is `undefined` when the request has none; a policy that
 * answers `*` still sends it then, so a cache may serve that response to any origin. A refused origin
 * gets no `Access-Control-*` header at all; the request is otherwise served as usual.
 */
export function decideActual(policy: CompiledPolicy, origin: string | undefined, originAllowed: boolean): ActualDecision {
  const decisions = policy.actual;
  return origin === undefined ? decisions.withoutOrigin : originAllowed ? decisions.granted : decisions.refused;
}

type ActualFacts = Pick<
  CompiledPolicy,
  'enabled' | 'allowAnyOrigin' | 'varyOrigin' | 'credentials' | 'exposeHeaders' | 'timingAllowOrigin'
>;

/** Builds a policy's actual-request decisions at start-up. */
export function prepareActualDecisions(policy: ActualFacts): ActualDecisions {
  const nothing = (vary: string | undefined, refusal: ActualDecision['refusal']): ActualDecision => ({
    originHeaders: [],
    headers: [],
    vary,
    refusal,
  });
  if (!policy.enabled) return { granted: nothing(undefined, 'disabled'), refused: nothing(undefined, 'disabled'), withoutOrigin: nothing(undefined, undefined) };
  const expose: Array<readonly [string, string]> = policy.exposeHeaders === undefined ? [] : [[EXPOSE_HEADERS, policy.exposeHeaders]];
  if (policy.allowAnyOrigin) {
    const any: ActualDecision = {
      originHeaders: [],
      headers: [[ALLOW_ORIGIN, '*'], ...expose, ...(policy.timingAllowOrigin ? [[TIMING_ALLOW_ORIGIN, '*'] as const] : [])],
      vary: undefined,
      refusal: undefined,
    };
    return { granted: any, refused: any, withoutOrigin: any };
  }
  const vary = policy.varyOrigin ? 'Origin' : undefined;
  const granted: ActualDecision = {
    originHeaders: policy.timingAllowOrigin ? [ALLOW_ORIGIN, TIMING_ALLOW_ORIGIN] : [ALLOW_ORIGIN],
    headers: [...(policy.credentials ? [[ALLOW_CREDENTIALS, 'true'] as const] : []), ...expose],
    vary,
    refusal: undefined,
  };
  return { granted, refused: nothing(vary, 'origin'), withoutOrigin: nothing(vary, undefined) };
}
