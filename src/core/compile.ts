import { CorsConfigurationError, describeValue } from './errors.js';
import type { MergedPolicy } from './merge.js';
import { compileOrigin, type OriginFunctionOptions, type OriginMatcher, type OriginVerdict } from './origin-matcher.js';
import type { CorsPolicyField } from './policy-options.js';
import { isToken, readNames, type NameList } from './tokens.js';
import { preflightVaryOf, prepareActualDecisions, type ActualDecisions } from './protocol.js';

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
  /** What an actual request gets, prepared here so that a request only picks one. */
  readonly actual: ActualDecisions;
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
  // Each error points at the level that wrote the field (`fieldSources`), not at the most specific level
  // that said anything: a handler's `@Cors({ exposedHeaders })` is not where a controller's bad origin is.
  const { options, source, fieldSources: from } = merged;
  const originTimeout = compileTimeout(options.originTimeout, from.originTimeout);
  const originCache = compileCache(options.originCache, from.originCache);
  const origin = compileSharedOrigin(merged, { timeout: originTimeout, cache: originCache }, hooks);
  const credentials = requireBoolean(options.credentials, 'credentials', from.credentials);
  if (origin.any && credentials) {
    const { where, first, second } = clash(merged, 'origin', 'credentials');
    throw new CorsConfigurationError(
      where,
      'origin',
      options.origin,
      `${first}cannot be used with credentials: true${second}, as browsers refuse a wildcard on credentialed requests`,
      'list the origins that may send credentials, or set credentials: false',
    );
  }
  const methods = compileMethods(listOrNone(options.methods), from.methods);
  // `'*'` beside names is the Fetch standard's own way to allow every request header plus `Authorization`,
  // which its wildcard never covers (`Access-Control-Allow-Headers: *, Authorization`). Here the list
  // means any header, `Authorization` included: this library never sends `*`, it echoes the names the
  // preflight asks for, which browsers accept for every name, with credentials too (where `*` would be
  // a header named "*").
  const allowed = compileHeaderNames(listOrNone(options.allowedHeaders), ALLOWED_HEADER_NAMES, from.allowedHeaders);
  const headers = allowed.any ? undefined : allowed.names;
  // `Access-Control-Expose-Headers: *` is a wildcard only on requests without credentials (Fetch
  // standard, "CORS-exposed header-name list"); names beside it are legal, and sent as written.
  const exposed = compileHeaderNames(listOrNone(options.exposedHeaders), EXPOSED_HEADER_NAMES, from.exposedHeaders);
  if (exposed.any && credentials) {
    const { where, first, second } = clash(merged, 'exposedHeaders', 'credentials');
    const names = exposed.names.filter((name) => name !== '*');
    throw new CorsConfigurationError(
      where,
      'exposedHeaders',
      options.exposedHeaders,
      `${first}cannot be used with credentials: true${second}, as '*' means a header named "*" on credentialed requests (Fetch standard)`,
      names.length > 0
        ? `list the response headers to expose without '*': exposedHeaders: ${describeValue(names)}`
        : "list the response headers to expose, e.g. ['X-Total-Count']",
    );
  }
  const maxAge = compileMaxAge(options.maxAge, from.maxAge);
  const optionsSuccessStatus = compileStatus(options.optionsSuccessStatus, from.optionsSuccessStatus);
  const allowPrivateNetwork = requireBoolean(options.allowPrivateNetwork, 'allowPrivateNetwork', from.allowPrivateNetwork);
  // A policy merged by hand without this newer field (not by mergePolicies) keeps its old meaning: off.
  const timingAllowOrigin =
    options.timingAllowOrigin === undefined ? false : requireBoolean(options.timingAllowOrigin, 'timingAllowOrigin', from.timingAllowOrigin);
  const exposedHeaders = exposed.names;
  return withActualDecisions({
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
    preflightContinue: requireBoolean(options.preflightContinue, 'preflightContinue', from.preflightContinue),
    optionsSuccessStatus,
    allowPrivateNetwork,
    timingAllowOrigin,
    preflightVary: preflightVaryOf(allowPrivateNetwork),
    fieldSources: merged.fieldSources,
  });
}

function withActualDecisions(policy: Omit<CompiledPolicy, 'actual'>): CompiledPolicy {
  return { ...policy, actual: prepareActualDecisions(policy) };
}

/**
 * Where an error about two fields that cannot go together points: at the later of their levels, whose
 * value made the pair unsafe. When they come from different levels, the message says where each one
 * came from (`origin '*' from global cannot be used with credentials: true from MeController.me`).
 */
function clash(merged: MergedPolicy, a: CorsPolicyField, b: CorsPolicyField): { where: string; first: string; second: string } {
  const levelA = merged.fieldSources[a];
  const levelB = merged.fieldSources[b];
  if (levelA === levelB) return { where: levelA, first: '', second: '' };
  const rank = (level: string) => merged.levels?.indexOf(level) ?? -1;
  const where = merged.levels === undefined ? merged.source : rank(levelB) > rank(levelA) ? levelB : levelA;
  return { where, first: `from ${levelA} `, second: ` from ${levelB}` };
}

function compileSharedOrigin(merged: MergedPolicy, run: Omit<OriginFunctionOptions, 'onError'>, hooks: PolicyHooks): OriginMatcher {
  const { options, source, fieldSources } = merged;
  const compile = () =>
    compileOrigin(options.origin, fieldSources.origin, {
      ...run,
      onError: (error, value) => hooks.onOriginError?.(source, error, value),
    });
  // A function's matcher carries the policy's timeout, cache and source, so it is never shared.
  if (typeof options.origin === 'function' || hooks.originMatchers === undefined) return compile();
  let matcher = hooks.originMatchers.get(options.origin);
  if (matcher === undefined) hooks.originMatchers.set(options.origin, (matcher = compile()));
  return matcher;
}

const METHOD_NAMES: NameList = { option: 'methods', noun: 'method names', example: "['GET', 'POST']" };
const ALLOWED_HEADER_NAMES: NameList = { option: 'allowedHeaders', noun: 'header names', example: "['Content-Type', 'Authorization']" };
const EXPOSED_HEADER_NAMES: NameList = { option: 'exposedHeaders', noun: 'header names', example: "['X-Total-Count']" };

/**
 * Returns the list, or `undefined` for any: `'*'`, alone or beside names. With `'*'` a preflight is
 * answered with the method it asks for, never with `*` (a method named "*" on credentialed requests),
 * so every method is covered and names beside it add nothing; they are still checked.
 */
function compileMethods(value: unknown, source: string): string[] | undefined {
  const items = readNames(value, METHOD_NAMES, source);
  const methods: string[] = [];
  for (const item of items) {
    if (item === '*') continue;
    if (!isToken(item)) {
      throw new CorsConfigurationError(source, 'methods', item, 'is not a valid method name', "write names such as 'GET', 'POST', 'PATCH'");
    }
    const method = NORMALISED_METHODS.has(item.toUpperCase()) ? item.toUpperCase() : item;
    if (FORBIDDEN_METHODS.has(method.toUpperCase())) {
      throw new CorsConfigurationError(source, 'methods', item, 'is a method browsers never send', `remove '${item}'`);
    }
    if (!methods.includes(method)) methods.push(method);
  }
  return items.includes('*') ? undefined : methods;
}

/** The names as written, without repeats (in any case), and whether `'*'` is one of them. */
function compileHeaderNames(value: unknown, list: NameList, source: string): { any: boolean; names: string[] } {
  const names: string[] = [];
  for (const item of readNames(value, list, source)) {
    if (item !== '*' && !isToken(item)) {
      throw new CorsConfigurationError(source, list.option, item, 'is not a valid header name', "write names such as 'Content-Type', 'X-Request-Id'");
    }
    if (!names.some((other) => other.toLowerCase() === item.toLowerCase())) names.push(item);
  }
  return { any: names.includes('*'), names };
}

/** A list left out of a policy merged by hand lists nothing; `null` is written, so it is checked. */
function listOrNone(value: unknown): unknown {
  return value === undefined ? [] : value;
}

function compileMaxAge(value: unknown, source: string): number | undefined {
  // `null` sends no Access-Control-Max-Age at all, and browsers then keep a preflight for 5 seconds.
  if (value === undefined || value === null) return undefined;
  const valid = (seconds: unknown) => typeof seconds === 'number' && Number.isSafeInteger(seconds) && seconds >= 0;
  if (!valid(value)) {
    refuseNumber(source, 'maxAge', value, valid, 'is not a whole number of seconds', 'write 0 or more, e.g. maxAge: 600 (browsers cap it: Chromium at 7200)');
  }
  return value as number;
}

function compileStatus(value: unknown, source: string): number {
  const valid = (status: unknown) => typeof status === 'number' && Number.isInteger(status) && status >= 200 && status <= 299;
  if (!valid(value)) {
    refuseNumber(source, 'optionsSuccessStatus', value, valid, 'is not a success status', 'write 204 (the default) or 200 for old clients');
  }
  return value as number;
}

/** Node's timers wait at most 2^31 - 1 ms; a longer delay fires after 1 ms, refusing every origin. */
const MAX_TIMEOUT = 2 ** 31 - 1;

function compileTimeout(value: unknown, source: string): number {
  if (value === undefined) return 1000;
  const valid = (ms: unknown) => typeof ms === 'number' && Number.isInteger(ms) && ms > 0 && ms <= MAX_TIMEOUT;
  if (typeof value === 'number' && Number.isInteger(value) && value > MAX_TIMEOUT) {
    throw new CorsConfigurationError(source, 'originTimeout', value, `is longer than a timer can wait (${MAX_TIMEOUT} ms)`, 'write e.g. originTimeout: 1000');
  }
  if (!valid(value)) {
    refuseNumber(source, 'originTimeout', value, valid, 'is not a positive whole number of milliseconds', 'write e.g. originTimeout: 1000');
  }
  return value as number;
}

function compileCache(value: unknown, source: string): { size: number; ttl: number } | undefined {
  if (value === undefined) return undefined;
  const fix = 'write e.g. originCache: { size: 1000, ttl: 60000 }, or leave it out for no cache';
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CorsConfigurationError(source, 'originCache', value, 'is not { size, ttl }', fix);
  }
  const { size, ttl } = value as { size?: unknown; ttl?: unknown };
  const positive = (number: unknown): number is number => typeof number === 'number' && Number.isSafeInteger(number) && number > 0;
  if (!positive(size) || !positive(ttl)) {
    throw new CorsConfigurationError(source, 'originCache', value, 'needs a positive whole size and ttl (milliseconds)', fix);
  }
  return { size, ttl };
}

/** Refuses a number option; `'600'` (an environment variable read as is) is told apart and written as a number. */
function refuseNumber(source: string, option: string, value: unknown, valid: (value: unknown) => boolean, problem: string, fix: string): never {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  if (valid(number)) throw new CorsConfigurationError(source, option, value, 'is a string, not a number', `write ${option}: ${number}`);
  throw new CorsConfigurationError(source, option, value, problem, fix);
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
  return withActualDecisions({
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
    preflightVary: preflightVaryOf(allowPrivateNetwork),
    fieldSources: distinct[0].fieldSources,
  });
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
