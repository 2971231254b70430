import type { ServerResponse } from 'node:http';

/** What `@Res({ passthrough: true })` gives on either platform: Express's `res`, or Fastify's reply. */
export type AnyResponse = ServerResponse | { readonly raw: ServerResponse };

/**
 * The Node response under it. Headers set there reach the client on both platforms (Fastify merges
 * them into the response it sends), so the sample's handlers need neither Express's nor Fastify's API.
 */
export function nodeResponse(response: AnyResponse): ServerResponse {
  return 'raw' in response ? response.raw : response;
}
