/**
 * `npm run test:nest11` (scripts/test-nest11.mjs): the end-to-end tests of test/e2e and test/security against
 * Nest 11, which that script installs and names in $NEST11_DIR. The core's unit tests import no Nest and are
 * left to `npm test`.
 */
import base from './jest.config.js';

export default {
  ...base,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.e2e-spec.ts'],
  testPathIgnorePatterns: [
    ...base.testPathIgnorePatterns,
    // `app.enableCsrfProtection()` is new in Nest 12: Nest 11 has no CSRF protection to coexist with.
    '<rootDir>/test/security/csrf-coexistence.e2e-spec.ts',
    // `@nestjs/graphql` 14 and `@nestjs/apollo` 14 need Nest 12, and test/nest11 installs no GraphQL; path
    // policies themselves run on Nest 11 in test/e2e/path-policies.e2e-spec.ts (raw routes and middleware).
    '<rootDir>/test/e2e/graphql-path-policy.e2e-spec.ts',
  ],
  resolver: '<rootDir>/test/nest11/resolver.cjs',
  globalSetup: '<rootDir>/test/nest11/require-nest11.js',
};
