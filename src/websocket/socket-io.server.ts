import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { decidePreflight, preflightRequestOf } from '../core/protocol.js';
import type { RefusalLog } from '../nest/refusal-log.js';
import { addVary, endPreflight, writeActualHeaders } from '../platform/node-response.js';
import { refusalResponse, type HandshakeCheck } from './handshake-check.js';

type EngineMiddleware = (request: IncomingMessage, response: ServerResponse | object, next: (error?: unknown) => void) => void;

/** socket.io's `Server`, as far as the library uses it: its engine.io server and its path. */
export interface SocketIoServer {
  readonly engine: { use(middleware: EngineMiddleware): void };
  path(): string;
}

export function isSocketIoServer(server: unknown): server is SocketIoServer {
  const candidate = server as Partial<SocketIoServer> | undefined;
  return typeof candidate?.engine?.use === 'function' && typeof candidate.path === 'function';
}

/**
 * Checks every request engine.io receives — the long-polling transport's HTTP requests and the WebSocket
 * upgrade alike, the handshake first — with an engine.io middleware (`io.engine.use()`), which runs before
 * engine.io opens a session or hands an upgrade to ws. A refused origin gets a 403 and no connection; an
 * allowed one's polling responses carry the policy's CORS headers, which are what lets the page read them
 * (a WebSocket upgrade needs none). Later requests of a session are checked too: a refused page never
 * learns a session id, but nothing is lost by asking again.
 */
export function checkSocketIoHandshakes(server: SocketIoServer, check: HandshakeCheck, log: RefusalLog): void {
  server.engine.use(function corsPolicyHandshake(request, response, next) {
    const http = response instanceof ServerResponse ? response : undefined;
    const origin = request.headers.origin;
    const requestedMethod = request.headers['access-control-request-method'];
    if (http !== undefined && request.method === 'OPTIONS' && origin !== undefined && requestedMethod !== undefined) {
      answerPreflight(request, http, check, log, origin, requestedMethod);
      return;
    }
    check.decide(request, (decision) => {
      if (decision.allowed) {
        if (http !== undefined) writeActualHeaders(http, decision.actual, origin);
        next();
        return;
      }
      const refusal = refusalResponse(decision);
      if (http !== undefined) {
        http.writeHead(refusal.status, refusal.headers);
        http.end(refusal.body);
      } else {
        refuseUpgrade(request.socket, refusal);
      }
    });
  });
}

/**
 * A preflight of the polling transport (a page that sets `extraHeaders`, say): answered with the gateway's
 * policy, as the HTTP first layer answers a route's. engine.io itself would refuse it as a bad handshake.
 */
function answerPreflight(request: IncomingMessage, response: ServerResponse, check: HandshakeCheck, log: RefusalLog, origin: string, method: string): void {
  const policy = check.policy;
  const asked = preflightRequestOf(origin, method, request.headers);
  const respond = (allowed: boolean) => {
    const decision = decidePreflight(policy, asked, allowed);
    if (decision.vary !== undefined) addVary(response, decision.vary);
    if (!decision.allowed) log.refusal(`preflight for ${method} of ${check.connection}`, policy.source, decision);
    endPreflight(response, decision);
  };
  const verdict = policy.enabled ? policy.origin.match(origin, request) : false;
  if (typeof verdict === 'boolean') respond(verdict);
  else verdict.then(respond);
}

/** An upgrade has no response object yet: the refusal is written to the socket, which is then closed. */
function refuseUpgrade(socket: Socket, refusal: ReturnType<typeof refusalResponse>): void {
  socket.on('error', () => {});
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const headers = Object.entries({ Connection: 'close', ...refusal.headers }).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${refusal.status} Forbidden\r\n${headers}\r\n${refusal.body}`);
}
