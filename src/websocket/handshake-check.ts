import type { IncomingMessage } from 'node:http';
import type { CompiledPolicy } from '../core/compile.js';
import { decideHandshake, handshakeRefusalBody, REFUSED_HANDSHAKE_STATUS, type HandshakeDecision } from '../core/handshake.js';
import type { Refusal } from '../core/protocol.js';
import type { RefusalLog } from '../nest/refusal-log.js';

/**
 * The origin check of one gateway server's handshakes: the policy decides, a refusal is logged once,
 * and the server's own hook (engine.io's middleware, ws's `verifyClient`) carries the decision out.
 */
export class HandshakeCheck {
  constructor(
    readonly policy: CompiledPolicy,
    private readonly log: RefusalLog,
    /** `socket.io connection to ChatGateway on /socket.io`, for the log line. */
    readonly connection: string,
  ) {}

  decide(request: IncomingMessage, respond: (decision: HandshakeDecision) => void): void {
    const origin = request.headers.origin;
    // An origin function gets the handshake's IncomingMessage, as an HTTP request's on Express.
    const verdict = origin === undefined || !this.policy.enabled ? false : this.policy.origin.match(origin, request);
    const finish = (allowed: boolean) => {
      const decision = decideHandshake(this.policy, origin, allowed);
      if (!decision.allowed) this.log.connectionRefusal(this.connection, this.policy.source, decision);
      respond(decision);
    };
    if (typeof verdict === 'boolean') finish(verdict);
    else verdict.then(finish);
  }
}

/** The refusal's answer, as HTTP: no header that grants anything, `Vary: Origin` as the answer depends on it. */
export function refusalResponse(refusal: Pick<Refusal, 'reason'>): { status: number; headers: Record<string, string>; body: string } {
  const body = handshakeRefusalBody(refusal);
  return {
    status: REFUSED_HANDSHAKE_STATUS,
    headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)), Vary: 'Origin' },
    body,
  };
}

