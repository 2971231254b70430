import type { CompiledPolicy } from '../core/compile.js';
import { decideActual, decidePreflight, preflightRequestOf, refuseUnroutedMethod } from '../core/protocol.js';
import {
  UNROUTED_METHOD, type HttpPlatform, type PlatformRequest, type PlatformResponse, type RequestHook, type RouteReached, type RouteResolver,
} from '../platform/http-platform.js';
import type { RefusalLog } from './refusal-log.js';

/** The policy whose decision a response carries, or `PREFLIGHT` for an answered preflight. */
const APPLIED = Symbol('nestjs-cors-policy.applied');
const PREFLIGHT = Symbol('preflight');

type Tracked = PlatformResponse & { [APPLIED]?: CompiledPolicy | typeof PREFLIGHT };

/**
 * What happens to a request, on any platform: the first layer answers preflights and gives an actual
 * request the headers of the route it will reach, before body parsers, guards and handlers run, so
 * their error responses carry them too; when the router dispatches to a handler whose policy differs
 * (the request changed on the way), that handler's decision replaces the first one.
 */
export class CorsRequestFlow {
  private resolver!: RouteResolver;

  constructor(
    private readonly platform: HttpPlatform,
    private readonly log: RefusalLog,
  ) {}

  /** Starts serving requests with the router's answers. */
  serve(resolver: RouteResolver): void {
    this.resolver = resolver;
    this.platform.installFirst(this.hook);
  }

  readonly hook: RequestHook = (request, response: Tracked, next) => {
    const origin = request.headers.origin;
    if (request.method === 'OPTIONS' && origin !== undefined) {
      const requestedMethod = request.headers['access-control-request-method'];
      if (requestedMethod !== undefined) {
        response[APPLIED] = PREFLIGHT;
        this.preflight(request, response, next, origin, requestedMethod);
        return;
      }
    }
    const policy = this.resolver.actual(request);
    response[APPLIED] = policy;
    const pending = this.applyActual(request, response, policy, origin);
    if (pending === undefined) next();
    else pending.then(next);
  };

  readonly reached: RouteReached = (request, response: Tracked, policy) => {
    const applied = response[APPLIED];
    if (applied === policy || applied === PREFLIGHT) return undefined;
    response[APPLIED] = policy;
    this.platform.clearActual(response);
    return this.applyActual(request, response, policy, request.headers.origin);
  };

  /** The policy an actual request gets, for callers outside the request flow (the CSRF trust check). */
  policyOf(request: PlatformRequest): CompiledPolicy {
    return this.resolver.actual(request);
  }

  private applyActual(request: PlatformRequest, response: PlatformResponse, policy: CompiledPolicy, origin: string | undefined): Promise<void> | undefined {
    if (origin === undefined || !policy.enabled) {
      this.answerActual(request, response, policy, origin, false);
      return undefined;
    }
    const verdict = policy.origin.match(origin, request);
    if (typeof verdict === 'boolean') {
      this.answerActual(request, response, policy, origin, verdict);
      return undefined;
    }
    return verdict.then((allowed) => this.answerActual(request, response, policy, origin, allowed));
  }

  private answerActual(request: PlatformRequest, response: PlatformResponse, policy: CompiledPolicy, origin: string | undefined, allowed: boolean): void {
    const decision = decideActual(policy, origin, allowed);
    if (decision.refusal !== undefined && this.log.enabled) {
      this.log.refusal(`${request.method} ${this.resolver.pathOf(request)}`, policy.source, {
        reason: decision.refusal,
        value: origin!,
      });
    }
    this.platform.writeActual(response, decision, origin);
  }

  /** Answers with the policy of the route the actual request will reach: guards, pipes and handlers do not run. */
  private preflight(request: PlatformRequest, response: PlatformResponse, next: () => void, origin: string, requestedMethod: string): void {
    const resolved = this.resolver.preflight(requestedMethod, request);
    if (resolved === UNROUTED_METHOD) {
      const decision = refuseUnroutedMethod(requestedMethod, this.resolver.pathOf(request));
      if (!decision.allowed) this.log.refusal(`preflight for ${decision.value}`, undefined, decision);
      this.platform.answerPreflight(response, decision, undefined);
      return;
    }
    const policy = resolved;
    const asked = preflightRequestOf(origin, requestedMethod, request.headers);
    const respond = (allowed: boolean) => {
      const decision = decidePreflight(policy, asked, allowed);
      if (!decision.allowed) {
        this.log.refusal(`preflight for ${requestedMethod} ${this.resolver.pathOf(request)}`, policy.source, decision);
      }
      this.platform.answerPreflight(response, decision, decision.allowed && policy.preflightContinue ? next : undefined);
    };
    const verdict = policy.enabled ? policy.origin.match(origin, request) : false;
    if (typeof verdict === 'boolean') respond(verdict);
    else verdict.then(respond);
  }
}
