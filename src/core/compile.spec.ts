import { compilePolicy, intersectPolicies, type CompiledPolicy } from './compile.js';
import { CorsConfigurationError } from './errors.js';
import { mergePolicies, type PolicyLayer } from './merge.js';
import { CORS_POLICY_FIELDS, type CorsPolicyField, type CorsPolicyOptions } from './policy-options.js';
import { reportPolicy } from './report.js';

/** Options as a user may write them in JavaScript or read them from a file: any value, any type. */
type Written = Record<string, unknown>;

const compile = (options: Written, source = 'global'): CompiledPolicy =>
  compilePolicy(mergePolicies([{ source, policy: options as CorsPolicyOptions }]));

function refusal(layers: readonly PolicyLayer[]): CorsConfigurationError {
  try {
    compilePolicy(mergePolicies(layers));
  } catch (error) {
    if (error instanceof CorsConfigurationError) return error;
    throw error; // a TypeError is exactly what these tests exist to catch
  }
  throw new Error('the policy compiled, but a CorsConfigurationError was expected');
}

const refusalOf = (options: Written) => refusal([{ source: 'global', policy: options as CorsPolicyOptions }]);

describe('an option of the wrong type is a configuration error that names the option', () => {
  it.each<[string, Written, CorsPolicyField, RegExp]>([
    ['origin: {}', { origin: {} }, 'origin', /^global: origin \{\} is not an origin, a list of origins or a function: write an origin/],
    ['origin: a number', { origin: 5 }, 'origin', /origin 5 is not an origin/],
    ['origin: null', { origin: null }, 'origin', /origin null is not an origin.*false for none/],
    ['origin: a Set', { origin: new Set(['https://a.com']) }, 'origin', /origin Set \{\} is not an origin/],
    ['origin: a number in a list', { origin: ['https://a.com', 5] }, 'origin', /origin \['https:\/\/a\.com', 5\] lists 5, which is neither a string nor a RegExp/],
    ['origin: a function in a list', { origin: ['https://a.com', () => true] }, 'origin', /lists function.*pass a single function on its own/],
    ['methods: {}', { methods: {} }, 'methods', /^global: methods \{\} is not a list: write an array of method names, e.g. methods: \['GET', 'POST'\], or one comma-separated string/],
    ['methods: a number', { methods: 5 }, 'methods', /methods 5 is not a list/],
    ['methods: null', { methods: null }, 'methods', /methods null is not a list/],
    ['methods: a number in a list', { methods: ['GET', 5] }, 'methods', /methods \['GET', 5\] lists 5, which is not a string: write method names as strings/],
    ['allowedHeaders: {}', { allowedHeaders: {} }, 'allowedHeaders', /allowedHeaders \{\} is not a list: write an array of header names/],
    ['allowedHeaders: true', { allowedHeaders: true }, 'allowedHeaders', /allowedHeaders true is not a list/],
    ['allowedHeaders: null in a list', { allowedHeaders: ['X-Id', null] }, 'allowedHeaders', /allowedHeaders \['X-Id', null\] lists null, which is not a string/],
    ['exposedHeaders: {}', { exposedHeaders: {} }, 'exposedHeaders', /exposedHeaders \{\} is not a list/],
    ['exposedHeaders: a number', { exposedHeaders: 1 }, 'exposedHeaders', /exposedHeaders 1 is not a list/],
    ['exposedHeaders: null', { exposedHeaders: null }, 'exposedHeaders', /exposedHeaders null is not a list: write exposedHeaders: \[\] for none/],
    ['exposedHeaders: a list in a list', { exposedHeaders: [['X-A']] }, 'exposedHeaders', /exposedHeaders \[\['X-A'\]\] lists \['X-A'\], which is not a string/],
    ['credentials: a string', { credentials: 'true' }, 'credentials', /credentials 'true' is not a boolean: write credentials: true or credentials: false/],
    ['credentials: a number', { credentials: 1 }, 'credentials', /credentials 1 is not a boolean/],
    ['maxAge: a numeric string', { maxAge: '600' }, 'maxAge', /maxAge '600' is a string, not a number: write maxAge: 600/],
    ['maxAge: another string', { maxAge: 'ten minutes' }, 'maxAge', /maxAge 'ten minutes' is not a whole number of seconds/],
    ['maxAge: a fraction', { maxAge: 1.5 }, 'maxAge', /maxAge 1\.5 is not a whole number of seconds/],
    ['maxAge: NaN', { maxAge: Number.NaN }, 'maxAge', /maxAge NaN is not a whole number/],
    ['maxAge: too large to write as digits', { maxAge: 1e21 }, 'maxAge', /maxAge 1e\+21 is not a whole number/],
    ['maxAge: {}', { maxAge: {} }, 'maxAge', /maxAge \{\} is not a whole number/],
    ['preflightContinue: a number', { preflightContinue: 1 }, 'preflightContinue', /preflightContinue 1 is not a boolean/],
    ['optionsSuccessStatus: a numeric string', { optionsSuccessStatus: '204' }, 'optionsSuccessStatus', /optionsSuccessStatus '204' is a string, not a number: write optionsSuccessStatus: 204/],
    ['optionsSuccessStatus: null', { optionsSuccessStatus: null }, 'optionsSuccessStatus', /optionsSuccessStatus null is not a success status/],
    ['allowPrivateNetwork: a string', { allowPrivateNetwork: 'yes' }, 'allowPrivateNetwork', /allowPrivateNetwork 'yes' is not a boolean/],
    ['originTimeout: negative', { originTimeout: -1 }, 'originTimeout', /^global: originTimeout -1 is not a positive whole number of milliseconds: write e.g. originTimeout: 1000/],
    ['originTimeout: zero', { originTimeout: 0 }, 'originTimeout', /originTimeout 0 is not a positive/],
    ['originTimeout: a numeric string', { originTimeout: '1000' }, 'originTimeout', /originTimeout '1000' is a string, not a number: write originTimeout: 1000/],
    ['originTimeout: longer than a timer waits', { originTimeout: 2 ** 31 }, 'originTimeout', /originTimeout 2147483648 is longer than a timer can wait \(2147483647 ms\)/],
    ['originCache: a number', { originCache: 5 }, 'originCache', /^global: originCache 5 is not \{ size, ttl \}: write e.g. originCache: \{ size: 1000, ttl: 60000 \}/],
    ['originCache: null', { originCache: null }, 'originCache', /originCache null is not \{ size, ttl \}.*or leave it out for no cache/],
    ['originCache: a list', { originCache: [1000, 60000] }, 'originCache', /originCache \[1000, 60000\] is not \{ size, ttl \}/],
    ['originCache: a zero size', { originCache: { size: 0, ttl: 1000 } }, 'originCache', /originCache \{ size: 0, ttl: 1000 \} needs a positive whole size and ttl/],
    ['originCache: no ttl', { originCache: { size: 10 } }, 'originCache', /originCache \{ size: 10 \} needs a positive whole size and ttl/],
    ['originCache: a string size', { originCache: { size: '10', ttl: 1000 } }, 'originCache', /originCache \{ size: '10', ttl: 1000 \} needs/],
    ['timingAllowOrigin: a string', { timingAllowOrigin: 'true' }, 'timingAllowOrigin', /timingAllowOrigin 'true' is not a boolean: write timingAllowOrigin: true or timingAllowOrigin: false/],
  ])('refuses %s', (_case, options, option, message) => {
    const error = refusalOf(options);
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
  });

  // One wrong value per field that crashed, or slipped through, before each field was checked.
  const WRONG: Readonly<Record<CorsPolicyField, readonly unknown[]>> = {
    origin: [{}, 5, null, true, [{}], ['']],
    methods: [{}, 5, null, true, [5], ['']],
    allowedHeaders: [{}, 5, null, false, [{}], ['']],
    exposedHeaders: [{}, 5, null, true, [5], ['']],
    credentials: ['true', 1, null, {}],
    maxAge: ['600', {}, true, -1, 0.5],
    preflightContinue: ['false', 0, null, {}],
    optionsSuccessStatus: ['204', {}, null, 204.5, 304],
    allowPrivateNetwork: ['true', 1, null, []],
    originTimeout: [-1, 0, '1000', null, {}, 1.5],
    originCache: [5, null, true, {}, { size: 1 }, { size: 1, ttl: -1 }],
    timingAllowOrigin: ['true', 1, null, {}],
  };

  it.each(CORS_POLICY_FIELDS.map((field) => [field]))('checks %s: each wrong value listed for it is refused, naming it', (field) => {
    for (const value of WRONG[field]) {
      const error = refusalOf({ [field]: value });
      expect([field, error.option, error.source]).toEqual([field, field, 'global']);
    }
  });

  it('checks originTimeout and originCache with an origin function too', () => {
    expect(refusalOf({ origin: () => true, originTimeout: -1 }).option).toBe('originTimeout');
    expect(refusalOf({ origin: () => true, originCache: { size: 0, ttl: 1 } }).option).toBe('originCache');
  });
});

describe('an empty name in a list', () => {
  it.each<[string, Written, RegExp]>([
    ["methods: ['']", { methods: [''] }, /^global: methods \[''\] lists an empty name: write the method names, e.g. methods: \['GET', 'POST'\]/],
    ["methods: ['GET', '']", { methods: ['GET', ''] }, /methods \['GET', ''\] lists an empty name: remove it: write methods: \['GET'\]/],
    ["allowedHeaders: ['']", { allowedHeaders: [''] }, /allowedHeaders \[''\] lists an empty name/],
    ["allowedHeaders: ['X-Id', ' ']", { allowedHeaders: ['X-Id', ' '] }, /allowedHeaders \['X-Id', ' '\] lists an empty name: remove it: write allowedHeaders: \['X-Id'\]/],
    ["exposedHeaders: ['']", { exposedHeaders: [''] }, /exposedHeaders \[''\] lists an empty name/],
    ["origin: ['']", { origin: [''] }, /^global: origin \[''\] lists an empty origin: write the origins, or origin: false for none/],
    ["origin: ['https://a.com', '']", { origin: ['https://a.com', ''] }, /origin \['https:\/\/a\.com', ''\] lists an empty origin: remove it: write origin: \['https:\/\/a\.com'\]/],
  ])('is refused in an array: %s', (_case, options, message) => {
    expect(refusalOf(options).message).toMatch(message);
  });

  it.each<[string, Written, (policy: CompiledPolicy) => unknown, unknown]>([
    ["methods: 'GET,POST,'", { methods: 'GET,POST,' }, (policy) => policy.allowMethods, 'GET, POST'],
    ["allowedHeaders: 'X-Id, ,Content-Type'", { allowedHeaders: 'X-Id, ,Content-Type' }, (policy) => policy.allowHeaders, 'X-Id, Content-Type'],
    ["exposedHeaders: 'X-Total-Count,'", { exposedHeaders: 'X-Total-Count,' }, (policy) => policy.exposeHeaders, 'X-Total-Count'],
    ["origin: 'https://a.com,https://b.com,'", { origin: 'https://a.com,https://b.com,' }, (policy) => policy.origin.allowed, ['https://a.com', 'https://b.com']],
  ])('is skipped in a comma-separated string, as a .env list often ends with a comma: %s', (_case, options, pick, expected) => {
    expect(pick(compile(options))).toEqual(expected);
  });
});

describe("'*' beside names, as the Fetch standard writes it", () => {
  it("allowedHeaders ['Authorization', '*'] allows any request header: the requested names are echoed, Authorization included", () => {
    const policy = compile({ origin: 'https://app.com', allowedHeaders: ['Authorization', '*'] });
    expect(policy.headers).toBeUndefined();
    expect(policy.allowHeaders).toBeUndefined();
  });

  it("allowedHeaders with '*' means any with credentials too, as the names are echoed rather than '*' sent", () => {
    expect(compile({ origin: 'https://app.com', credentials: true, allowedHeaders: '*, Authorization' }).headers).toBeUndefined();
  });

  it("methods ['GET', '*'] allows any method: the requested one is echoed", () => {
    const policy = compile({ origin: 'https://app.com', methods: ['GET', '*'] });
    expect(policy.methods).toBeUndefined();
    expect(policy.allowMethods).toBeUndefined();
  });

  it("exposedHeaders ['*', 'X-Total-Count'] without credentials is sent as written", () => {
    const policy = compile({ origin: 'https://app.com', exposedHeaders: ['*', 'X-Total-Count'] });
    expect(policy.exposedHeaders).toEqual(['*', 'X-Total-Count']);
    expect(policy.exposeHeaders).toBe('*, X-Total-Count');
  });

  it.each<[string, Written, RegExp]>([
    ["exposedHeaders '*'", { exposedHeaders: '*' }, /^global: exposedHeaders '\*' cannot be used with credentials: true, as '\*' means a header named "\*" on credentialed requests.*list the response headers to expose, e.g. \['X-Total-Count'\]/],
    ["exposedHeaders ['*', 'X-Total-Count']", { exposedHeaders: ['*', 'X-Total-Count'] }, /exposedHeaders \['\*', 'X-Total-Count'\] cannot be used with credentials: true.*list the response headers to expose without '\*': exposedHeaders: \['X-Total-Count'\]/],
  ])('refuses %s with credentials: the wildcard is a header named "*" there', (_case, options, message) => {
    expect(refusalOf({ origin: 'https://app.com', credentials: true, ...options }).message).toMatch(message);
  });

  it.each<[string, Written, RegExp]>([
    ['an invalid header name', { allowedHeaders: ['*', 'X Bad'] }, /allowedHeaders 'X Bad' is not a valid header name/],
    ['an invalid exposed header name', { exposedHeaders: '*, X:Bad' }, /exposedHeaders 'X:Bad' is not a valid header name/],
    ['a method browsers never send', { methods: ['*', 'TRACE'] }, /methods 'TRACE' is a method browsers never send/],
  ])('still checks the names beside it: %s', (_case, options, message) => {
    expect(refusalOf(options).message).toMatch(message);
  });

  it("refuses origin '*' beside origins, quoting the list as written: Access-Control-Allow-Origin holds one value", () => {
    expect(refusalOf({ origin: 'https://a.com, *' }).message).toMatch(/^global: origin 'https:\/\/a\.com, \*' lists '\*' beside other origins: write either '\*' or the list of origins/);
  });
});

describe('an error points at the level where the bad value was written', () => {
  const levels = (global: Written | undefined, controller: Written | undefined, handler: Written | undefined): PolicyLayer[] => [
    { source: 'global', policy: global as CorsPolicyOptions | undefined },
    { source: 'ReportsController', policy: controller as CorsPolicyOptions | undefined },
    { source: 'ReportsController.create', policy: handler as CorsPolicyOptions | undefined },
  ];

  it.each<[string, PolicyLayer[], string, RegExp]>([
    [
      'a controller origin under a handler that overrides another field',
      levels({}, { origin: 'https://admin.example.com/' }, { exposedHeaders: ['X-Total-Count'] }),
      'ReportsController',
      /^ReportsController: origin 'https:\/\/admin\.example\.com\/' ends with a slash/,
    ],
    ['a global maxAge under controller and handler policies', levels({ maxAge: '600' }, { origin: 'https://a.com' }, { credentials: true }), 'global', /^global: maxAge '600'/],
    ['a handler method under a controller policy', levels({}, { origin: 'https://a.com' }, { methods: ['GET', 'PO ST'] }), 'ReportsController.create', /^ReportsController\.create: methods/],
    ['a global originTimeout under a controller origin function', levels({ originTimeout: -1 }, { origin: () => true }, { maxAge: 5 }), 'global', /^global: originTimeout -1/],
    [
      "origin '*' from global, credentials from the handler: both named",
      levels({ origin: '*' }, undefined, { credentials: true }),
      'ReportsController.create',
      /^ReportsController\.create: origin '\*' from global cannot be used with credentials: true from ReportsController\.create, as browsers refuse a wildcard on credentialed requests: list the origins/,
    ],
    [
      "credentials from global, origin '*' from the controller: the later level is at fault",
      levels({ origin: 'https://a.com', credentials: true }, { origin: '*' }, { maxAge: 60 }),
      'ReportsController',
      /^ReportsController: origin '\*' from ReportsController cannot be used with credentials: true from global, as/,
    ],
    [
      'both on the controller, under a handler that overrides another field: named once',
      levels({}, { origin: '*', credentials: true }, { maxAge: 60 }),
      'ReportsController',
      /^ReportsController: origin '\*' cannot be used with credentials: true, as/,
    ],
    [
      "exposedHeaders '*' from global, credentials from the controller",
      levels({ origin: 'https://a.com', exposedHeaders: '*' }, { credentials: true }, undefined),
      'ReportsController',
      /^ReportsController: exposedHeaders '\*' from global cannot be used with credentials: true from ReportsController, as/,
    ],
  ])('%s', (_case, layers, source, message) => {
    const error = refusal(layers);
    expect(error.source).toBe(source);
    expect(error.message).toMatch(message);
  });
});

describe('timingAllowOrigin', () => {
  it('is off unless a level turns it on, and a more specific level inherits it', () => {
    expect(compile({ origin: 'https://a.com' }).timingAllowOrigin).toBe(false);
    const policy = compilePolicy(
      mergePolicies([
        { source: 'global', policy: { origin: 'https://a.com', timingAllowOrigin: true } },
        { source: 'ReportsController', policy: { maxAge: 60 } },
      ]),
    );
    expect(policy.timingAllowOrigin).toBe(true);
    expect(policy.fieldSources.timingAllowOrigin).toBe('global');
  });

  it('is granted by candidates that share a path and method only if every one grants it', () => {
    const on = compile({ origin: 'https://a.com', timingAllowOrigin: true }, 'A');
    const off = compile({ origin: 'https://a.com' }, 'B');
    expect(intersectPolicies([on, off]).timingAllowOrigin).toBe(false);
    expect(intersectPolicies([on, compile({ origin: 'https://a.com', timingAllowOrigin: true }, 'C')]).timingAllowOrigin).toBe(true);
  });

  it('is in the route report, with where it came from', () => {
    const report = reportPolicy({ method: 'GET', path: '/reports', handler: 'ReportsController.list' }, compile({ timingAllowOrigin: true }));
    expect(report.timingAllowOrigin).toBe(true);
    expect(report.sources.timingAllowOrigin).toBe('global');
  });
});
