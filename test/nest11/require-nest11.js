// Fails `npm run test:nest11` before any test unless $NEST11_DIR holds Nest 11, and says which versions
// the tests run against.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export default function requireNest11() {
  const dir = process.env.NEST11_DIR;
  if (!dir) throw new Error('NEST11_DIR is not set: run the Nest 11 tests with npm run test:nest11');
  const versions = ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express', '@nestjs/websockets', 'express'].map((name) => {
    const { version } = JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8'));
    if (name.startsWith('@nestjs/') && !version.startsWith('11.')) throw new Error(`${dir} holds ${name} ${version}, not Nest 11`);
    return `${name} ${version}`;
  });
  console.log(`\nEnd-to-end tests against ${versions.join(', ')} (${dir})`);
}
