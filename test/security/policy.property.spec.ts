import fc from 'fast-check';
import { compilePolicy } from '../../src/core/compile.js';
import { CorsConfigurationError } from '../../src/core/errors.js';
import { mergePolicies } from '../../src/core/merge.js';
import { compileOrigin } from '../../src/core/origin-matcher.js';
import { CORS_POLICY_FIELDS, type CorsPolicyOptions } from '../../src/core/policy-options.js';
import { actualHeaders } from '../support/actual-headers.js';
import { HOST, ORIGIN, PORT, RUNS, SCHEMES, SEED, hostileVariant, oracle } from './hostile-origins.js';

const PATTERN = fc.tuple(fc.constantFrom(...SCHEMES), HOST, PORT).map(([scheme, host, port]) => `${scheme}://*.${host}${port}`);

/** A random policy's origins, and origins to try against it: listed ones, their hostile variants, strangers. */
const SCENARIO = fc
  .record({ exact: fc.array(ORIGIN, { maxLength: 6 }), patterns: fc.array(PATTERN, { maxLength: 2 }) })
  .chain((listed) => {
    const pool = [...listed.exact, ...listed.patterns.map((pattern) => pattern.replace('*', 'sub'))];
    const near = pool.length > 0 ? fc.constantFrom(...pool) : ORIGIN;
    return fc.record({ listed: fc.constant(listed), origin: hostileVariant(fc.oneof(near, ORIGIN)) });
  });


describe(`policy properties (fast-check, seed ${SEED}, ${RUNS} runs each)`, () => {
  it('grants an origin only if the policy allows exactly it', () => {
    fc.assert(
      fc.property(SCENARIO, ({ listed, origin }) => {
        const matcher = compileOrigin([...listed.exact, ...listed.patterns], 'property');
        expect(matcher.match(origin, {})).toBe(oracle(origin, listed.exact, listed.patterns));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it("never answers '*' together with credentials, whatever the options", () => {
    const options = fc.record<CorsPolicyOptions>(
      {
        origin: fc.oneof(fc.constant('*'), fc.array(ORIGIN, { minLength: 1, maxLength: 3 })),
        credentials: fc.boolean(),
        exposedHeaders: fc.constantFrom('*', ['X-Total-Count'], undefined),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(options, hostileVariant(ORIGIN), (policyOptions, origin) => {
        let policy;
        try {
          policy = compilePolicy(mergePolicies([{ source: 'property', policy: policyOptions }]));
        } catch (error) {
          expect(error).toBeInstanceOf(CorsConfigurationError);
          return;
        }
        const headers = actualHeaders(policy, origin, policy.origin.match(origin, {}) === true);
        if (headers['access-control-allow-origin'] === '*') {
          expect(headers['access-control-allow-credentials']).toBeUndefined();
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('answers a value of any type, in any field, with a policy or a CorsConfigurationError naming the field, never another error', () => {
    const anything = fc.anything({
      withBigInt: true,
      withBoxedValues: true,
      withDate: true,
      withMap: true,
      withNullPrototype: true,
      withObjectString: true,
      withSet: true,
      withSparseArray: true,
      withTypedArray: true,
    });
    fc.assert(
      fc.property(fc.constantFrom(...CORS_POLICY_FIELDS), anything, (field, value) => {
        try {
          compilePolicy(mergePolicies([{ source: 'property', policy: { [field]: value } as CorsPolicyOptions }]));
        } catch (error) {
          expect(error).toBeInstanceOf(CorsConfigurationError);
          expect((error as CorsConfigurationError).option).toBe(field);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('puts Vary: Origin on every response whose headers depend on the origin', () => {
    fc.assert(
      fc.property(SCENARIO, ORIGIN, fc.boolean(), ({ listed, origin }, other, credentials) => {
        const policy = compilePolicy(mergePolicies([{ source: 'property', policy: { origin: [...listed.exact, ...listed.patterns], credentials } }]));
        const answer = (value: string | undefined) =>
          actualHeaders(policy, value, value !== undefined && policy.origin.match(value, {}) === true);
        const responses = [answer(origin), answer(other), answer(undefined)];
        const acao = responses.map((headers) => headers['access-control-allow-origin'] ?? '');
        if (new Set(acao).size > 1) {
          for (const headers of responses) expect(headers.vary).toContain('Origin');
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
