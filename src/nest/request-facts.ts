import type { IncomingMessage } from 'node:http';

export type CorsRequest = IncomingMessage;

/** The path Express routes on: the request target up to the query. */
export function pathnameOf(url: string | undefined): string {
  if (url === undefined) return '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}
