import { CorsConfigurationError } from './errors.js';
import type { CorsPolicyOptions } from './policy-options.js';

/**
 * One entry of the module's `paths`: the policy of requests to `path` that no controller route serves
 * (a GraphQL endpoint, static files, a webhook or health check registered on the platform itself).
 */
export interface CorsPathPolicy {
  /**
   * A path pattern in the platform's own route syntax, matched against the whole path of the request
   * (the global prefix is not added): `'/graphql'`, `'/files/:name'`, `'/webhooks/*splat'` on Express
   * (path-to-regexp 8), `'/webhooks/*'` on Fastify (find-my-way).
   */
  readonly path: string;
  /**
   * The options of `@Cors()`, merged over the global policy field by field as a controller's are;
   * `false` switches CORS off for the path (no CORS headers, preflights refused).
   */
  readonly policy: CorsPolicyOptions | false;
}

/** A path policy as read from the options, before its policy is compiled and its pattern given to the router. */
export interface PathPolicyEntry {
  readonly path: string;
  /** `path policy '/graphql'`: where errors, logs and the report say the policy comes from. */
  readonly source: string;
  readonly policy: CorsPolicyOptions | false;
}

const EXAMPLE = "paths: [{ path: '/graphql', policy: { origin: ['https://app.example.com'] } }]";
const ENTRY_KEYS = new Set(['path', 'policy']);

/** How a path policy is named in errors, logs and the report: `path policy '/graphql'`. */
export const PATH_POLICY = 'path policy ';

export function pathPolicySource(path: string): string {
  return `${PATH_POLICY}'${path}'`;
}

/** Reads and checks the shape of `paths`; each pattern is checked by the platform's router, later. */
export function readPathPolicies(value: unknown): PathPolicyEntry[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new CorsConfigurationError('global', 'paths', value, 'is not a list of { path, policy }', `write ${EXAMPLE}`);
  }
  const entries: PathPolicyEntry[] = [];
  value.forEach((entry: unknown, index) => {
    const at = `paths[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new CorsConfigurationError(at, 'entry', entry, 'is not { path, policy }', `write ${EXAMPLE}`);
    }
    const { path, policy } = entry as { path?: unknown; policy?: unknown };
    if (typeof path !== 'string' || !path.startsWith('/')) {
      throw new CorsConfigurationError(at, 'path', path, "is not a path pattern that starts with '/'", "write e.g. path: '/graphql'");
    }
    const source = pathPolicySource(path);
    // `{ path: '/graphql', origin: […] }` would otherwise be a path policy that inherits everything.
    const stray = Object.keys(entry).filter((key) => !ENTRY_KEYS.has(key));
    if (stray.length > 0) {
      throw new CorsConfigurationError(
        source,
        stray[0],
        (entry as Record<string, unknown>)[stray[0]],
        'is not a key of a path policy, which has only path and policy',
        `put the options inside policy: { path: '${path}', policy: { ${stray[0]}: … } }`,
      );
    }
    if (policy !== false && (typeof policy !== 'object' || policy === null || Array.isArray(policy))) {
      throw new CorsConfigurationError(
        source,
        'policy',
        policy,
        'is not the options of @Cors() or false',
        "write policy: { origin: ['https://app.example.com'] } (merged over the global policy), or policy: false to switch CORS off for this path",
      );
    }
    if (entries.some((known) => known.path === path)) {
      throw new CorsConfigurationError(source, 'path', path, 'is listed twice', 'merge the two entries into one');
    }
    entries.push({ path, source, policy: policy as CorsPolicyOptions | false });
  });
  return entries;
}

/** The pattern syntax a platform's router accepts, for the message of a pattern it refused. */
export type PathSyntax = 'express' | 'fastify';

/** A pattern the platform's own router refused: what it said, and the pattern in that router's syntax. */
export function invalidPathPattern(source: string, path: string, syntax: PathSyntax, reason: string): CorsConfigurationError {
  const express = syntax === 'express';
  const guess = express ? path.replace(/\*(?![A-Za-z_$])/g, '*splat').replace(/\(.*?\)/g, '') : path.replace(/\{?\/?\*[A-Za-z_$][\w$]*\}?$/, '/*').replace(/\/\/\*$/, '/*');
  const suggestion = guess !== path ? `write '${guess}', or ` : '';
  const syntaxHelp = express
    ? "write it as a route of app.get() on Express 5 (path-to-regexp 8): '/graphql', '/files/:name', '/webhooks/*splat' (everything below /webhooks/), '/static{/*path}' (/static and everything below)"
    : "write it as a route of fastify.get() (find-my-way): '/graphql', '/files/:name', '/webhooks/*' (everything below /webhooks/)";
  return new CorsConfigurationError(
    source,
    'path',
    path,
    `is not a path pattern the ${express ? 'Express' : 'Fastify'} router accepts (${reason})`,
    `${suggestion}${syntaxHelp}`,
  );
}

/** A controller route that a path policy's pattern covers, or whose own path covers the pattern. */
export interface ShadowedRoute {
  readonly method: string;
  readonly path: string;
  /** `ReportsController.list`. */
  readonly handler: string;
}

/**
 * Controller routes keep their own policy, so a path policy never applies where one of them serves:
 * written over one, it would only look as if it did.
 */
export function shadowingPathPolicy(source: string, path: string, route: ShadowedRoute): CorsConfigurationError {
  const controller = route.handler.split('.')[0];
  return new CorsConfigurationError(
    source,
    'path',
    path,
    `covers ${route.method} ${route.path}, a route of ${route.handler}, which keeps its own policy (path policies apply only where no controller route serves)`,
    `give that route its policy with @Cors({ … }) on ${controller} or on ${route.handler}, and narrow the path so that it matches no controller route`,
  );
}
