import type { HeaderSink } from '../../src/core/vary.js';

/** Response headers in a `Map`, for tests of the pure core (names in lower case, as Node keeps them). */
export class HeaderMap implements HeaderSink {
  readonly values = new Map<string, string>();
  getHeader(name: string) { return this.values.get(name.toLowerCase()); }
  setHeader(name: string, value: string) { this.values.set(name.toLowerCase(), value); }
  removeHeader(name: string) { this.values.delete(name.toLowerCase()); }
}
