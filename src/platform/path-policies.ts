import type { CompiledPolicy } from '../core/compile.js';
import { invalidPathPattern, shadowingPathPolicy, type PathSyntax, type ShadowedRoute } from '../core/path-policies.js';
import type { NestRoute, PathPolicy } from './http-platform.js';

/** Whether a path (as the platform's router reads it) matches one pattern, by that router's own matcher. */
export type PathMatcher = (path: string) => boolean;

interface MatchedPathPolicy extends PathPolicy {
  readonly matches: PathMatcher;
}

/**
 * The path policies of an app, each pattern compiled by the platform's own router: the policy of a
 * request that reaches no controller route. Asked only where the router found none.
 */
export class PathPolicies {
  private readonly matchers: readonly MatchedPathPolicy[];
  /** No `paths` option: every request without a controller route gets the global policy, unasked. */
  readonly none: boolean;

  /**
   * `compile` builds the platform router's matcher of a pattern and throws the router's own error for
   * a pattern it refuses; the start then fails with that error and the syntax to write instead.
   */
  constructor(
    policies: readonly PathPolicy[],
    private readonly globalPolicy: CompiledPolicy,
    syntax: PathSyntax,
    compile: (pattern: string) => PathMatcher,
  ) {
    this.matchers = policies.map((policy) => {
      let matches: PathMatcher;
      try {
        matches = compile(policy.path);
      } catch (error) {
        throw invalidPathPattern(policy.source, policy.path, syntax, error instanceof Error ? error.message : String(error));
      }
      return { ...policy, matches };
    });
    this.none = this.matchers.length === 0;
  }

  /** The first path policy, in the order listed, whose pattern matches; the global policy if none does. */
  policyOf(path: string): CompiledPolicy {
    for (const matcher of this.matchers) if (matcher.matches(path)) return matcher.policy;
    return this.globalPolicy;
  }

  /**
   * Fails the start where a path policy would never apply in part: its pattern matches the path of a
   * controller route as written (`'/reports/*splat'` over `GET /reports/:id`), or a controller route's
   * own matcher matches the pattern as written (`'/reports/7'` under `GET /reports/:id`, `'/graphql'`
   * under `GET /:slug`). Both by the platform's own matchers; whatever the host and version.
   */
  refuseShadowing(
    routes: () => Iterable<{ readonly method: string; readonly path: string; readonly route: NestRoute }>,
    routeCovering: (pattern: string) => ShadowedRoute | undefined,
  ): void {
    if (this.none) return;
    const known = [...routes()];
    for (const matcher of this.matchers) {
      const covered = known.find(({ path }) => matcher.matches(path));
      const shadowed = covered ? { method: covered.method, path: covered.path, handler: covered.route.name } : routeCovering(matcher.path);
      if (shadowed !== undefined) throw shadowingPathPolicy(matcher.source, matcher.path, shadowed);
    }
  }
}
