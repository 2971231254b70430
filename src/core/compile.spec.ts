import { compilePolicy, intersectPolicies, type CompiledPolicy } from './compile.js';
import { CorsConfigurationError } from './errors.js';
import { mergePolicies } from './merge.js';
import type { CorsPolicyOptions } from './policy-options.js';
import { reportPolicy } from './report.js';

/** Options as a user may write them in JavaScript or read them from a file: any value, any type. */
type Written = Record<string, unknown>;

const compile = (options: Written, source = 'global'): CompiledPolicy =>
  compilePolicy(mergePolicies([{ source, policy: options as CorsPolicyOptions }]));

function refusalOf(options: Written): CorsConfigurationError {
  try {
    compile(options);
  } catch (error) {
    if (error instanceof CorsConfigurationError) return error;
    throw error;
  }
  throw new Error('the policy compiled, but a CorsConfigurationError was expected');
}

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

  it('is a boolean', () => {
    expect(refusalOf({ timingAllowOrigin: 'true' }).message).toMatch(/^global: timingAllowOrigin 'true' is not a boolean: write timingAllowOrigin: true or timingAllowOrigin: false/);
  });

  it('is in the route report, with where it came from', () => {
    const report = reportPolicy({ method: 'GET', path: '/reports', handler: 'ReportsController.list' }, compile({ timingAllowOrigin: true }));
    expect(report.timingAllowOrigin).toBe(true);
    expect(report.sources.timingAllowOrigin).toBe('global');
  });
});
