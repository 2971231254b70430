import type { ServerResponse } from 'node:http';
import { refusalBody, REFUSED_PREFLIGHT_STATUS, type ActualDecision, type PreflightDecision } from '../core/protocol.js';
import { mergeVary } from '../core/vary.js';

/** Adds names to a Node response's `Vary`, keeping what is there. */
export function addVary(response: ServerResponse, names: string): void {
  const merged = mergeVary(response.getHeader('Vary'), names);
  if (merged !== undefined) response.setHeader('Vary', merged);
}

/** Writes an actual request's decision into a Node response, adding to its `Vary`. */
export function writeActualHeaders(response: ServerResponse, decision: ActualDecision, origin: string | undefined): void {
  for (const name of decision.originHeaders) response.setHeader(name, origin!);
  for (const [name, value] of decision.headers) response.setHeader(name, value);
  if (decision.vary !== undefined) addVary(response, decision.vary);
}

/**
 * Ends a preflight the library answers itself, on the Node response both platforms write to: the
 * allowed answer's headers and status with an empty body, or the refusal with nothing that grants
 * access and a short reason for whoever debugs with curl (browsers show neither). `Vary` is the caller's.
 */
export function endPreflight(response: ServerResponse, decision: PreflightDecision): void {
  if (!decision.allowed) {
    const body = refusalBody(decision);
    response.statusCode = REFUSED_PREFLIGHT_STATUS;
    response.setHeader('Content-Type', 'text/plain; charset=utf-8');
    response.setHeader('Content-Length', Buffer.byteLength(body));
    response.end(body);
    return;
  }
  for (const [name, value] of decision.headers) response.setHeader(name, value);
  response.statusCode = decision.status;
  response.setHeader('Content-Length', '0');
  response.end();
}
