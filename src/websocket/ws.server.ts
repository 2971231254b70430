import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { refusalResponse, type HandshakeCheck } from './handshake-check.js';

interface VerifyInfo {
  readonly origin: string | undefined;
  readonly secure: boolean;
  readonly req: IncomingMessage;
}
type VerifyCallback = (verified: boolean, code?: number, message?: string, headers?: OutgoingHttpHeaders) => void;
type VerifyClient = ((info: VerifyInfo) => boolean) | ((info: VerifyInfo, callback: VerifyCallback) => void);

/** ws's `WebSocketServer`, as far as the library uses it. */
export interface WsServer {
  readonly options: { verifyClient?: VerifyClient | null; path?: string | null };
  handleUpgrade(...args: unknown[]): void;
  /** What `WsAdapter` sets on the servers it dispatches to by path on a shared HTTP server. */
  readonly path?: string;
}

export function isWsServer(server: unknown): server is WsServer {
  const candidate = server as Partial<WsServer> | undefined;
  return typeof candidate?.handleUpgrade === 'function' && typeof candidate.options === 'object' && candidate.options !== null;
}

/**
 * Checks every upgrade with ws's own `verifyClient` hook, which ws calls before it answers the handshake,
 * on the app's HTTP server and on a server of the gateway's own alike. ws reads the option at each upgrade,
 * so setting it on the server made works. A `verifyClient` the gateway set itself runs after the origin
 * check, for the handshakes it allows.
 */
export function checkWsHandshakes(server: WsServer, check: HandshakeCheck): void {
  const theirs = server.options.verifyClient ?? undefined;
  server.options.verifyClient = function corsPolicyVerifyClient(info: VerifyInfo, callback: VerifyCallback) {
    check.decide(info.req, (decision) => {
      if (!decision.allowed) {
        const refusal = refusalResponse(decision);
        callback(false, refusal.status, refusal.body, refusal.headers);
        return;
      }
      if (theirs === undefined) callback(true);
      else if (theirs.length >= 2) (theirs as (info: VerifyInfo, callback: VerifyCallback) => void)(info, callback);
      else {
        // As ws answers a synchronous verifyClient's false.
        let verified: boolean;
        try {
          verified = (theirs as (info: VerifyInfo) => boolean)(info);
        } catch (error) {
          process.emitWarning(error as Error);
          verified = false;
        }
        if (verified) callback(true);
        else callback(false, 401);
      }
    });
  };
}
