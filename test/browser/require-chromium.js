import { existsSync } from 'node:fs';
import { CHROMIUM_PATH } from './chromium-path.js';

export default function requireChromium() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium was not found at ${CHROMIUM_PATH}. The browser tests use Debian's package 'chromium': ` +
        'apt-get update && apt-get install -y chromium',
    );
  }
}
