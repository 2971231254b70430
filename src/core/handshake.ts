/**
 * The opening handshake of a WebSocket (RFC 6455, section 4) or of a socket.io connection, for one compiled
 * policy. Browsers apply no CORS to WebSockets: a page on any site may open one, with the user's cookies,
 * and the only sign of who asked is the handshake's `Origin` (RFC 6455, section 10.2). So the server
 * decides: an origin the policy refuses gets no connection at all.
 */
import type { CompiledPolicy } from './compile.js';
import { decideActual, type ActualDecision, type Refusal } from './protocol.js';

export type HandshakeDecision =
  | {
      readonly allowed: true;
      /**
       * The headers of an HTTP response on the connection (socket.io's long-polling transport), as an
       * actual request of the policy gets them; a WebSocket upgrade needs none.
       */
      readonly actual: ActualDecision;
    }
  | (Refusal & { readonly reason: 'disabled' | 'origin' });

/** A refused handshake's status: the same "not for you" as a refused preflight. */
export const REFUSED_HANDSHAKE_STATUS = 403;

/**
 * Decides a handshake once the origin's verdict is known (it may have come from an async function).
 * Without `Origin` (a client that is no browser, which no page can drive) the connection is allowed, as an
 * HTTP request without `Origin` is served. `@Cors(false)` allows no cross-origin handshake at all: for a
 * WebSocket, "no CORS" cannot mean "anyone", as no browser would stop anyone.
 */
export function decideHandshake(policy: CompiledPolicy, origin: string | undefined, originAllowed: boolean): HandshakeDecision {
  if (origin === undefined) return { allowed: true, actual: decideActual(policy, undefined, false) };
  if (!policy.enabled) return { allowed: false, reason: 'disabled', value: origin };
  if (!originAllowed) return { allowed: false, reason: 'origin', value: origin };
  return { allowed: true, actual: decideActual(policy, origin, true) };
}

/** The reason, for a log line and the refused handshake's plain-text body. */
export function describeHandshakeRefusal(refusal: Pick<Refusal, 'reason'>): string {
  return refusal.reason === 'disabled' ? '@Cors(false) allows no cross-origin connection' : 'origin not allowed';
}

/** The plain-text body of a refused handshake: a browser shows nothing of it, curl does. */
export function handshakeRefusalBody(refusal: Pick<Refusal, 'reason'>): string {
  return `WebSocket handshake refused: ${describeHandshakeRefusal(refusal)}`;
}
