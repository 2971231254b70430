import { defineConfig } from 'vitest/config';

// The template's vite-tsconfig-paths plugin is left out: this app declares no path aliases. Test files are
// named *.e2e.test.ts rather than *.e2e-spec.ts so that the library's own Jest run does not pick them up.
export default defineConfig({
  test: {
    globals: true,
    root: './',
    include: ['test/**/*.e2e.test.ts'],
  },
});
