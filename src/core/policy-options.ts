/**
 * The options a user writes. Names follow Nest's own `CorsOptions` (what `app.enableCors()` takes),
 * so `app.enableCors(options)` becomes `CorsModule.forRoot(options)`.
 */

/** Decides at request time; a thrown error or a rejected promise refuses the origin. */
export type CorsOriginFunction<Request = unknown> = (
  origin: string,
  request: Request,
) => boolean | Promise<boolean>;

/**
 * `'*'` (any origin, never with credentials), an exact origin (`'https://app.example.com'`), a
 * wildcard-subdomain pattern (`'https://*.example.com'`), `'null'` for opaque origins, an anchored
 * RegExp, a list of those (an array, or one comma-separated string as read from an environment
 * variable), `false` for none, or a function.
 */
export type CorsOriginOption =
  | string
  | RegExp
  | ReadonlyArray<string | RegExp>
  | false
  | CorsOriginFunction;

export interface CorsPolicyOptions {
  /** Which origins may read responses. Default: none (list them; see the README). */
  origin?: CorsOriginOption;
  /**
   * Methods a preflight may ask for: an array, or one comma-separated string. Default:
   * `GET,HEAD,PUT,PATCH,POST,DELETE`. `'*'`, alone or beside names, allows any (the requested method is
   * echoed).
   */
  methods?: string | readonly string[];
  /**
   * Request headers a preflight may ask for: an array, or one comma-separated string. Default: `'*'`.
   * `'*'`, alone or beside names (`['*', 'Authorization']`, the Fetch standard's form), allows those the
   * preflight asks for, `Authorization` included: they are echoed, never answered with `*`.
   */
  allowedHeaders?: string | readonly string[];
  /**
   * Response headers the page may read beyond the safelisted ones: an array, or one comma-separated
   * string. Default: none. `'*'` (alone or beside names) exposes all of them, and only without
   * credentials: on a credentialed request the Fetch standard reads it as a header named "*".
   */
  exposedHeaders?: string | readonly string[];
  /** Allow cookies and HTTP authentication. Default: `false`. */
  credentials?: boolean;
  /** Seconds a browser may cache a preflight result. Default: `600`. */
  maxAge?: number;
  /** Pass an answered preflight on to the app's own `OPTIONS` handler. Default: `false`. */
  preflightContinue?: boolean;
  /** Status of an allowed preflight. Default: `204`. */
  optionsSuccessStatus?: number;
  /** Answer Private Network Access preflights (`Access-Control-Allow-Private-Network`). Default: `false`. */
  allowPrivateNetwork?: boolean;
  /** Milliseconds an `origin` function may take before the origin is refused. Default: `1000`. */
  originTimeout?: number;
  /** Remember an `origin` function's answers: at most `size` origins, each for `ttl` milliseconds. Default: off. */
  originCache?: { size: number; ttl: number };
  /**
   * Send `Timing-Allow-Origin: <the granted origin>` on allowed actual responses, so the page can read the
   * detailed Resource Timing of cross-origin requests (`PerformanceResourceTiming`: DNS, connect, request
   * and response times, transfer sizes), which browsers otherwise zero for them. It exposes no response
   * data, only how long it took, but that is a side channel too: enable it where a page measures your API.
   * Default: `false`. (Resource Timing, "Timing-Allow-Origin"; asked for in expressjs/cors#102.)
   */
  timingAllowOrigin?: boolean;
}

export type CorsPolicyField = keyof CorsPolicyOptions;

export const CORS_POLICY_FIELDS: readonly CorsPolicyField[] = [
  'origin',
  'methods',
  'allowedHeaders',
  'exposedHeaders',
  'credentials',
  'maxAge',
  'preflightContinue',
  'optionsSuccessStatus',
  'allowPrivateNetwork',
  'originTimeout',
  'originCache',
  'timingAllowOrigin',
];

export const DEFAULT_POLICY_OPTIONS: Required<Omit<CorsPolicyOptions, 'exposedHeaders' | 'originCache'>> &
  Pick<CorsPolicyOptions, 'exposedHeaders' | 'originCache'> = {
  origin: false,
  methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'],
  allowedHeaders: '*',
  exposedHeaders: undefined,
  credentials: false,
  maxAge: 600,
  preflightContinue: false,
  optionsSuccessStatus: 204,
  allowPrivateNetwork: false,
  originTimeout: 1000,
  originCache: undefined,
  timingAllowOrigin: false,
};
