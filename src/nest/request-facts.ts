import type { IncomingMessage } from 'node:http';
import type { CompiledPolicy } from '../core/compile.js';

/**
 * Set on a request whose CORS headers came from a policy other than its handler's own (no route matched
 * in the index, or several routes share the path and method), so the interceptor can correct them.
 */
export const APPLIED_POLICY = Symbol('nestjs-cors-policy:applied');

export type CorsRequest = IncomingMessage & { [APPLIED_POLICY]?: CompiledPolicy };

/** The path Express routes on: the request target up to the query. */
export function pathnameOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
