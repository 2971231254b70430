import { CORS_POLICY_FIELDS, DEFAULT_POLICY_OPTIONS, type CorsPolicyField, type CorsPolicyOptions } from './policy-options.js';

/** One level of configuration: the global default, a controller's `@Cors`, a handler's `@Cors`. */
export interface PolicyLayer {
  /** `global`, `ReportsController`, `ReportsController.create`. */
  readonly source: string;
  /** `undefined` when the level says nothing, `false` for `@Cors(false)`. */
  readonly policy: CorsPolicyOptions | false | undefined;
}

export interface MergedPolicy {
  readonly enabled: boolean;
  /** The most specific level that said something: where an error about this policy points. */
  readonly source: string;
  readonly options: CorsPolicyOptions;
  /** Where each field's value came from: `default`, `global`, a controller or a handler. */
  readonly fieldSources: Readonly<Record<CorsPolicyField, string>>;
  /**
   * The levels that said something, least specific first (`['global', 'ReportsController']`): of two
   * fields that clash, the one from the later level is the one that made the policy unsafe.
   */
  readonly levels?: readonly string[];
}

/**
 * Merges levels from the least to the most specific, field by field: `@Cors({ exposedHeaders })` on a
 * handler keeps the controller's or the global `origin`. `false` switches CORS off for its scope; a more
 * specific `@Cors({...})` switches it on again, over the levels that were not switched off.
 */
export function mergePolicies(layers: readonly PolicyLayer[]): MergedPolicy {
  const options: CorsPolicyOptions = { ...DEFAULT_POLICY_OPTIONS };
  const fieldSources = Object.fromEntries(CORS_POLICY_FIELDS.map((field) => [field, 'default'])) as Record<
    CorsPolicyField,
    string
  >;
  let enabled = true;
  let source = 'default';
  const levels: string[] = [];
  for (const layer of layers) {
    if (layer.policy === undefined) continue;
    source = layer.source;
    levels.push(layer.source);
    if (layer.policy === false) {
      enabled = false;
      continue;
    }
    enabled = true;
    for (const field of CORS_POLICY_FIELDS) {
      const value = layer.policy[field];
      if (value === undefined) continue;
      (options as Record<string, unknown>)[field] = value;
      fieldSources[field] = layer.source;
    }
  }
  return { enabled, source, options, fieldSources, levels };
}
