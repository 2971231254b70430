// `npm run test:nest11`: the end-to-end tests against Nest 11 (jest.nest11.config.js). Arguments go to Jest.
//
// Nest 11 is installed from test/nest11/package-lock.json into a folder outside the repository, keyed by
// the lock file's hash and reused while it stays the same: inside the repository, a request that Nest 11
// cannot satisfy (`@nestjs/common/internal`) would walk up to the repository's own node_modules and load
// Nest 12's file instead of failing as it fails in a Nest 11 app.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const lock = readFileSync('test/nest11/package-lock.json');
const hash = createHash('sha256').update(lock).update(readFileSync('test/nest11/package.json')).digest('hex');
const dir = process.env.NEST11_DIR ?? join(tmpdir(), `nestjs-cors-policy-nest11-${hash.slice(0, 12)}`);

if (!existsSync(join(dir, 'node_modules/@nestjs/core/package.json'))) {
  // Installed next to its final place, then renamed: a run that stops half-way leaves no half install.
  const scratch = mkdtempSync(`${dir}.installing-`);
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(`test/nest11/${file}`, join(scratch, file));
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: scratch, stdio: 'inherit' });
  rmSync(dir, { recursive: true, force: true });
  renameSync(scratch, dir);
}

const jest = spawnSync(
  process.execPath,
  ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--config', 'jest.nest11.config.js', ...process.argv.slice(2)],
  { stdio: 'inherit', env: { ...process.env, NEST11_DIR: dir, PLATFORMS: 'express' } },
);
process.exit(jest.status ?? 1);
