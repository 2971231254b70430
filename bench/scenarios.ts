import { ALLOWED_ORIGIN, REFUSED_ORIGIN, type Variant } from './app-shape.js';

/** One kind of request, sent to `MEASURED_PATH`, with the answer each app variant must give it. */
export interface Scenario {
  /** Short name for the command line: `allowed`, `preflight`, `refused`, `no-origin`. */
  id: string;
  name: string;
  method: 'GET' | 'OPTIONS';
  headers: Record<string, string>;
  /**
   * Whether the response is right for an app of this kind (`app-shape.ts`: A no CORS, B the `cors`
   * package, C–E this library); a broken response is never timed.
   */
  check(kind: Variant, status: number, headers: Headers): string | undefined;
}

const corsVariant = (kind: Variant) => kind !== 'A';

export const scenarios: Scenario[] = [
  {
    id: 'allowed',
    name: 'allowed GET',
    method: 'GET',
    headers: { Origin: ALLOWED_ORIGIN },
    check: (kind, status, headers) => {
      if (status !== 200) return `status ${status}`;
      if (!corsVariant(kind)) return headers.has('access-control-allow-origin') ? 'unexpected CORS header' : undefined;
      if (headers.get('access-control-allow-origin') !== ALLOWED_ORIGIN) return 'no Access-Control-Allow-Origin';
      if (headers.get('access-control-allow-credentials') !== 'true') return 'no Access-Control-Allow-Credentials';
      if (!headers.get('access-control-expose-headers')?.includes('X-Total-Count')) return 'no Access-Control-Expose-Headers';
      if (!headers.get('vary')?.includes('Origin')) return 'no Vary: Origin';
    },
  },
  {
    id: 'preflight',
    name: 'preflight PUT',
    method: 'OPTIONS',
    headers: { Origin: ALLOWED_ORIGIN, 'Access-Control-Request-Method': 'PUT', 'Access-Control-Request-Headers': 'content-type,x-request-id' },
    check: (kind, status, headers) => {
      if (!corsVariant(kind)) return status === 404 ? undefined : `status ${status}`;
      if (status !== 204) return `status ${status}`;
      if (headers.get('access-control-allow-origin') !== ALLOWED_ORIGIN) return 'no Access-Control-Allow-Origin';
      if (!headers.get('access-control-allow-methods')?.includes('PUT')) return 'PUT not allowed';
      if (!/x-request-id/i.test(headers.get('access-control-allow-headers') ?? '')) return 'X-Request-Id not allowed';
      if (!headers.get('access-control-max-age')) return 'no Access-Control-Max-Age';
    },
  },
  {
    id: 'refused',
    name: 'refused GET',
    method: 'GET',
    headers: { Origin: REFUSED_ORIGIN },
    check: (kind, status, headers) => {
      if (status !== 200) return `status ${status}`;
      if (headers.has('access-control-allow-origin')) return 'grants a refused origin';
      // The cors package sends Access-Control-Allow-Credentials to refused origins too; harmless without an origin.
      if (kind !== 'B' && headers.has('access-control-allow-credentials')) return 'Access-Control-Allow-Credentials on a refusal';
      if (corsVariant(kind) && !headers.get('vary')?.includes('Origin')) return 'no Vary: Origin';
    },
  },
  {
    id: 'no-origin',
    name: 'GET without Origin',
    method: 'GET',
    headers: {},
    check: (kind, status, headers) => {
      if (status !== 200) return `status ${status}`;
      if (headers.has('access-control-allow-origin')) return 'unexpected Access-Control-Allow-Origin';
      if (corsVariant(kind) && !headers.get('vary')?.includes('Origin')) return 'no Vary: Origin';
    },
  },
];
