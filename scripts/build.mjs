// `npm run build`: the library twice, from one source.
//
// - dist/      ES modules. Node (>= 20.19) loads this copy for `import` and `require()` alike, through the
//              `module-sync` condition, so an app holds one copy of every class whichever way it loads us.
// - dist/cjs/  CommonJS, for loaders that cannot `require()` an ES module: Jest's CommonJS runtime before
//              Node 24.9 (which offers `module-sync` to `require()` only where it can load ES modules
//              synchronously), and TypeScript's view of a CommonJS consumer (its `require` types).
//
// Both have declarations, source maps and declaration maps; the maps point at `src/`, which is published.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = (project) => execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });

rmSync('dist', { recursive: true, force: true });
run('tsconfig.build.json');
run('tsconfig.build.cjs.json');
// The root package.json says "type": "module"; this one makes dist/cjs/*.js (and *.d.ts) CommonJS.
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n');
