import { CorsConfigurationError } from './errors.js';
import type { MergedPolicy } from './merge.js';
import { compileOrigin, type OriginMatcher, type OriginVerdict } from './origin-matcher.js';
import type { CorsPolicyField, CorsPolicyOptions } from './policy-options.js';
import { isToken, splitList } from './tokens.js';

/**
 * A policy validated and prepared once, at start-up: a request only looks things up and copies the
 * header values joined here.
 */
export interface CompiledPolicy {
  /** Where the policy was declared (`global`, `ReportsController.create`), for errors and logs. */
  readonly source: string;
  readonly enabled: boolean;
  readonly origin: OriginMatcher;
  /** `Access-Control-Allow-Origin: *`: any origin, no credentials. */
  readonly allowAnyOrigin: boolean;
  /** The answer depends on the request's `Origin`, so responses carry `Vary: Origin`. */
  readonly varyOrigin: boolean;
  /** Allowed methods; `undefined` allows any (the requested method is echoed). */
  readonly methods: ReadonlySet<string> | undefined;
  readonly allowMethods: string | undefined;
  /** Allowed request headers, lower case; `undefined` allows any (the requested ones are echoed). */
  readonly headers: ReadonlySet<string> | undefined;
  readonly allowHeaders: string | undefined;
  readonly exposedHeaders: readonly string[];
  readonly exposeHeaders: string | undefined;
  readonly credentials: boolean;
  readonly maxAge: number | undefined;
  readonly maxAgeValue: string | undefined;
  readonly preflightContinue: boolean;
  readonly optionsSuccessStatus: number;
  readonly allowPrivateNetwork: boolean;
  /**
   * Send `Timing-Allow-Origin` with the granted origin on allowed actual responses, so the page may read
   * their Resource Timing details.
   */
  readonly timingAllowOrigin: boolean;
  /** `Vary` of a preflight answer: it depends on the origin and on what the preflight asks for. */
  readonly preflightVary: string;
  readonly fieldSources: Readonly<Record<CorsPolicyField, string>>;
}

/** The Fetch standard refuses these methods outright; allowing them can only mislead. */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
/** Methods the Fetch standard normalises to upper case; others are compared as written. */
const NORMALISED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH']);

/** What the caller wants to hear about while a compiled policy serves requests, and what it shares. */
export interface PolicyHooks {
  /** An `origin` function failed (threw, rejected, answered something else, or too late): the origin was refused. */
  onOriginError?(source: string, error: unknown, origin: string): void;
  /**
   * Origin matchers already built, by the `origin` value they were built from. Routes that inherit one
   * list (10,000 origins from the global policy, say) then share one matcher instead of a copy each.
   */
  originMatchers?: Map<unknown, OriginMatcher>;
}

export function compilePolicy(merged: MergedPolicy, hooks: PolicyHooks = {}): CompiledPolicy {
  const { options, source } = merged;
  const origin = compileSharedOrigin(merged, hooks);
  const credentials = requireBoolean(options.credentials, 'credentials', source);
  if (origin.any && credentials) {
    throw new CorsConfigurationError(
      source,
      'origin',
      '*',
      'cannot be used with credentials: true, as browsers refuse a wildcard on credentialed requests',
      'list the origins that may send credentials, or set credentials: false',
    );
  }
  const methods = compileMethods(options.methods, source);
  const headers = compileHeaderNames(options.allowedHeaders, 'allowedHeaders', source);
  const exposed = compileHeaderNames(options.exposedHeaders, 'exposedHeaders', source);
  if (exposed === undefined && credentials) {
    throw new CorsConfigurationError(
      source,
      'exposedHeaders',
      '*',
      'means a header named "*" on credentialed requests (Fetch standard)',
      'list the response headers to expose, e.g. [\'X-Total-Count\']',
    );
  }
  const maxAge = compileMaxAge(options.maxAge, source);
  const optionsSuccessStatus = compileStatus(options.optionsSuccessStatus, source);
  const allowPrivateNetwork = requireBoolean(options.allowPrivateNetwork, 'allowPrivateNetwork', source);
  // A policy merged by hand without this newer field (not by mergePolicies) keeps its old meaning: off.
  const timingAllowOrigin =
    options.timingAllowOrigin === undefined ? false : requireBoolean(options.timingAllowOrigin, 'timingAllowOrigin', source);
  const exposedHeaders = exposed === undefined ? ['*'] : [...exposed];
  return {
    source,
    enabled: merged.enabled,
    origin,
    allowAnyOrigin: origin.any,
    varyOrigin: merged.enabled && !origin.any && !origin.none,
    methods: methods && new Set(methods),
    allowMethods: methods?.join(', '),
    headers: headers && new Set(headers.map((name) => name.toLowerCase())),
    allowHeaders: headers?.join(', '),
    exposedHeaders,
    exposeHeaders: exposedHeaders.length > 0 ? exposedHeaders.join(', ') : undefined,
    credentials,
    maxAge,
    maxAgeValue: maxAge === undefined ? undefined : String(maxAge),
    preflightContinue: requireBoolean(options.preflightContinue, 'preflightContinue', source),
    optionsSuccessStatus,
    allowPrivateNetwork,
    timingAllowOrigin,
    preflightVary: preflightVary(allowPrivateNetwork),
    fieldSources: merged.fieldSources,
  };
}

function compileSharedOrigin({ options, source }: MergedPolicy, hooks: PolicyHooks): OriginMatcher {
  const compile = () =>
    compileOrigin(options.origin, source, {
      timeout: options.originTimeout ?? 1000,
      cache: options.originCache,
      onError: (error, value) => hooks.onOriginError?.(source, error, value),
    });
  // A function's matcher carries the policy's timeout, cache and source, so it is never shared.
  if (typeof options.origin === 'function' || hooks.originMatchers === undefined) return compile();
  let matcher = hooks.originMatchers.get(options.origin);
  if (matcher === undefined) hooks.originMatchers.set(options.origin, (matcher = compile()));
  return matcher;
}

function preflightVary(privateNetwork: boolean): string {
  const names = 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
  return privateNetwork ? `${names}, Access-Control-Request-Private-Network` : names;
}

/** Returns the list, or `undefined` for `'*'` (any). */
function compileMethods(value: CorsPolicyOptions['methods'], source: string): string[] | undefined {
  const items = splitList(value ?? []);
  if (items.includes('*')) {
    if (items.length > 1) {
      throw new CorsConfigurationError(source, 'methods', value, "lists '*' beside other methods", "write either '*' or the list of methods");
    }
    return undefined;
  }
  const methods: string[] = [];
  for (const item of items) {
    if (!isToken(item)) {
      throw new CorsConfigurationError(source, 'methods', item, 'is not a valid method name', "write names such as 'GET', 'POST', 'PATCH'");
    }
    const method = NORMALISED_METHODS.has(item.toUpperCase()) ? item.toUpperCase() : item;
    if (FORBIDDEN_METHODS.has(method.toUpperCase())) {
      throw new CorsConfigurationError(source, 'methods', item, 'is a method browsers never send', `remove '${item}'`);
    }
    if (!methods.includes(method)) methods.push(method);
  }
  return methods;
}

/** Returns the list, or `undefined` for `'*'` (any). */
function compileHeaderNames(value: string | readonly string[] | undefined, option: string, source: string): string[] | undefined {
  const items = splitList(value ?? []);
  if (items.includes('*')) {
    if (items.length > 1) {
      throw new CorsConfigurationError(source, option, value, "lists '*' beside other headers", "write either '*' or the list of header names");
    }
    return undefined;
  }
  for (const item of items) {
    if (!isToken(item)) {
      throw new CorsConfigurationError(source, option, item, 'is not a valid header name', "write names such as 'Content-Type', 'X-Request-Id'");
    }
  }
  return items.filter((item, index) => items.findIndex((other) => other.toLowerCase() === item.toLowerCase()) === index);
}

function compileMaxAge(value: unknown, source: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new CorsConfigurationError(source, 'maxAge', value, 'is not a whole number of seconds', 'write 0 or more, e.g. maxAge: 600 (browsers cap it: Chromium at 7200)');
  }
  return value;
}

function compileStatus(value: unknown, source: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 200 || value > 299) {
    throw new CorsConfigurationError(source, 'optionsSuccessStatus', value, 'is not a success status', 'write 204 (the default) or 200 for old clients');
  }
  return value;
}

function requireBoolean(value: unknown, option: string, source: string): boolean {
  if (typeof value !== 'boolean') {
    throw new CorsConfigurationError(source, option, value, 'is not a boolean', `write ${option}: true or ${option}: false`);
  }
  return value;
}

/**
 * What several candidate routes all grant, for a request that cannot tell them apart (one path and
 * method served by header- or media-type-versioned handlers, `@All` beside `@Post`): an origin allowed
 * by every one, the common methods and headers, credentials only if all allow them, the shortest max-age.
 */
export function intersectPolicies(policies: readonly CompiledPolicy[]): CompiledPolicy {
  const distinct = [...new Set(policies)];
  if (distinct.length === 1) return distinct[0];
  const every = (pick: (policy: CompiledPolicy) => boolean) => distinct.every(pick);
  const enabled = every((policy) => policy.enabled);
  const anyOrigin = every((policy) => policy.origin.any);
  const noOrigin = distinct.some((policy) => policy.origin.none);
  const credentials = every((policy) => policy.credentials);
  const origin: OriginMatcher = {
    any: anyOrigin,
    none: noOrigin,
    allowed: distinct.map((policy) => policy.origin.allowed.join(' ')),
    match(value: string, request: unknown): OriginVerdict {
      const verdicts = distinct.map((policy) => policy.origin.match(value, request));
      if (verdicts.every((verdict) => typeof verdict === 'boolean')) return verdicts.every(Boolean);
      return Promise.all(verdicts).then((values) => values.every(Boolean));
    },
  };
  const methods = intersectSets(distinct.map((policy) => policy.methods));
  const headers = intersectSets(distinct.map((policy) => policy.headers));
  const exposedHeaders = distinct
    .map((policy) => policy.exposedHeaders)
    .reduce((common, list) =>
      common.includes('*') ? [...list] : list.includes('*') ? common : common.filter((name) => list.some((other) => other.toLowerCase() === name.toLowerCase())),
    );
  const maxAges = distinct.map((policy) => policy.maxAge).filter((value): value is number => value !== undefined);
  const maxAge = maxAges.length > 0 ? Math.min(...maxAges) : undefined;
  const allowPrivateNetwork = every((policy) => policy.allowPrivateNetwork);
  const timingAllowOrigin = every((policy) => policy.timingAllowOrigin);
  const usableExposed = credentials && exposedHeaders.includes('*') ? [] : exposedHeaders;
  return {
    source: distinct.map((policy) => policy.source).join(' & '),
    enabled,
    origin,
    allowAnyOrigin: anyOrigin && !credentials,
    varyOrigin: enabled && !anyOrigin && !noOrigin,
    methods,
    allowMethods: methods && [...methods].join(', '),
    headers,
    allowHeaders: headers && [...headers].join(', '),
    exposedHeaders: usableExposed,
    exposeHeaders: usableExposed.length > 0 ? usableExposed.join(', ') : undefined,
    credentials,
    maxAge,
    maxAgeValue: maxAge === undefined ? undefined : String(maxAge),
    preflightContinue: every((policy) => policy.preflightContinue),
    optionsSuccessStatus: distinct[0].optionsSuccessStatus,
    allowPrivateNetwork,
    timingAllowOrigin,
    preflightVary: preflightVary(allowPrivateNetwork),
    fieldSources: distinct[0].fieldSources,
  };
}

/** `undefined` stands for "any". */
function intersectSets(sets: ReadonlyArray<ReadonlySet<string> | undefined>): ReadonlySet<string> | undefined {
  let common: Set<string> | undefined;
  for (const set of sets) {
    if (set === undefined) continue;
    common = common === undefined ? new Set(set) : new Set([...common].filter((item) => set.has(item)));
  }
  return common;
}
