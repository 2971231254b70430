import type { CompiledPolicy } from './compile.js';
import { PATH_POLICY } from './path-policies.js';
import type { CorsPolicyField } from './policy-options.js';

/** The report's method for a WebSocket gateway: its handshake is a GET that asks to upgrade, on any transport. */
export const GATEWAY_METHOD = 'WEBSOCKET';

/**
 * The policy one route (or one path policy) resolved to, as plain data: what it allows and where each
 * field came from.
 */
export interface CorsRoutePolicyReport {
  /** `GET`, …; `WEBSOCKET` for a WebSocket gateway, whose handshake the policy checks. */
  readonly method: string;
  /** The route's full path; a gateway's server path, `:4001/socket.io` on a port of its own. */
  readonly path: string;
  /**
   * `ReportsController.create`; a gateway's class name; for an entry of the module's `paths`,
   * `path policy '/graphql'` (its method is `ALL`, and it comes after every route).
   */
  readonly handler: string;
  readonly enabled: boolean;
  /** `['*']`, exact origins, `scheme://*.domain` patterns, RegExps as `/…/`, or `['function']`. */
  readonly origin: readonly string[];
  readonly credentials: boolean;
  /** `'*'` for any. */
  readonly methods: readonly string[] | '*';
  readonly allowedHeaders: readonly string[] | '*';
  readonly exposedHeaders: readonly string[];
  readonly maxAge: number | undefined;
  readonly allowPrivateNetwork: boolean;
  /** Whether allowed actual responses carry `Timing-Allow-Origin` (Resource Timing details for the page). */
  readonly timingAllowOrigin: boolean;
  readonly preflightContinue: boolean;
  readonly optionsSuccessStatus: number;
  /** `default`, `global`, a controller or a handler, per field. */
  readonly sources: Readonly<Record<CorsPolicyField, string>>;
}

export function reportPolicy(route: { method: string; path: string; handler: string }, policy: CompiledPolicy): CorsRoutePolicyReport {
  return {
    ...route,
    enabled: policy.enabled,
    origin: policy.origin.allowed,
    credentials: policy.credentials,
    methods: policy.methods ? [...policy.methods] : '*',
    allowedHeaders: policy.allowHeaders ? policy.allowHeaders.split(', ') : '*',
    exposedHeaders: policy.exposedHeaders,
    maxAge: policy.maxAge,
    allowPrivateNetwork: policy.allowPrivateNetwork,
    timingAllowOrigin: policy.timingAllowOrigin,
    preflightContinue: policy.preflightContinue,
    optionsSuccessStatus: policy.optionsSuccessStatus,
    sources: policy.fieldSources,
  };
}

/** One log line: `GET /api/reports (ReportsController.list): origin [https://a.com] from global, …`. */
export function formatReport(report: CorsRoutePolicyReport): string {
  const where = `${report.method} ${report.path} (${report.handler})`;
  if (!report.enabled) {
    const by = report.handler.startsWith(PATH_POLICY) ? 'by policy: false' : report.sources.origin === 'default' ? 'default' : 'by @Cors(false)';
    // For a WebSocket, disabled is closed: no browser would stop a cross-origin connection, so the server refuses it.
    if (report.method === GATEWAY_METHOD) return `${where}: CORS disabled, every cross-origin connection refused (${by})`;
    return `${where}: CORS disabled (${by})`;
  }
  const field = (name: CorsPolicyField, value: unknown) => `${name} ${Array.isArray(value) ? `[${value.join(', ')}]` : String(value)} from ${report.sources[name]}`;
  return `${where}: ${[
    field('origin', report.origin),
    field('credentials', report.credentials),
    field('methods', report.methods),
    field('allowedHeaders', report.allowedHeaders),
    field('exposedHeaders', report.exposedHeaders),
    field('maxAge', report.maxAge),
    field('allowPrivateNetwork', report.allowPrivateNetwork),
  ].join(', ')}`;
}
