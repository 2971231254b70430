import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { compileOrigin } from '../src/core/origin-matcher.js';

export interface MicroResult {
  name: string;
  oursNs: number;
  corsNs: number;
}

type Check = (origin: string) => unknown;

/**
 * The `cors` package's own origin check, `isOriginAllowed`, which its module does not export: taken from
 * its source as installed, unchanged.
 */
function loadCorsOriginCheck(): (origin: string, allowed: unknown) => boolean {
  const source = readFileSync(createRequire(import.meta.url).resolve('cors'), 'utf8');
  const isString = /function isString\(s\) \{[\s\S]*?\n  \}/.exec(source)?.[0];
  const isOriginAllowed = /function isOriginAllowed\(origin, allowedOrigin\) \{[\s\S]*?\n  \}/.exec(source)?.[0];
  if (!isString || !isOriginAllowed) throw new Error('cannot find isOriginAllowed in the cors package');
  return new Function(`${isString}\n${isOriginAllowed}\nreturn isOriginAllowed;`)();
}

interface Runner {
  run(): number;
  best: number;
}

/** Strings made the way Node's HTTP parser makes a header value: flat, not interned, hash not yet computed. */
const headerValue = (value: string) => Buffer.from(value).toString('latin1');

/**
 * Times `check` on fresh copies of the inputs, one copy per call, as a server sees a new `Origin` string
 * on every request: hashing it is part of the decision. The copies are made before the clock starts.
 */
function runner(check: Check, inputs: string[]): Runner {
  let sink = 0;
  const timeCalls = (values: string[]) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < values.length; i++) if (check(values[i])) sink++;
    if (sink < 0) console.log(sink);
    return Number(process.hrtime.bigint() - start);
  };
  const fresh = (count: number) => Array.from({ length: count }, (_, i) => headerValue(inputs[i & 3]));
  let calls = 256;
  while (calls < 65_536 && timeCalls(fresh(calls)) < 10e6) calls *= 2; // warm-up; about 10 ms per trial
  return { run: () => timeCalls(fresh(calls)) / calls, best: Infinity };
}

/**
 * Nanoseconds per call, the best of 25 trials each. The trials of all runners alternate, so a slow
 * moment of the machine falls on every runner alike instead of on one of them.
 */
function measure(runners: Runner[]): void {
  for (let trial = 0; trial < 25; trial++) {
    for (const entry of runners) entry.best = Math.min(entry.best, entry.run());
  }
}

const exactList = (size: number) => Array.from({ length: size }, (_, i) => `https://tenant-${i}.customers.example.org`);

export function runMicroBenchmark(): MicroResult[] {
  const corsCheck = loadCorsOriginCheck();
  const cases: Array<{ name: string; ours: unknown[]; cors: unknown[]; inputs: string[] }> = [];
  for (const size of [1, 100, 10_000]) {
    const list = exactList(size);
    cases.push({
      name: `exact, ${size.toLocaleString('en-US')} origin${size > 1 ? 's' : ''}`,
      ours: list,
      cors: list,
      inputs: [list[size - 1], 'https://evil.example.net', list[Math.floor(size / 2)], 'https://tenant-1.customers.example.org.evil.net'],
    });
  }
  cases.push({
    name: 'wildcard patterns (2)',
    ours: ['https://*.example.io', 'https://*.partners.example.com'],
    // What a cors user writes for the same patterns.
    cors: [/^https:\/\/(?:[a-z0-9-]+\.)+example\.io$/, /^https:\/\/(?:[a-z0-9-]+\.)+partners\.example\.com$/],
    inputs: ['https://a.example.io', 'https://evil-example.io', 'https://x.y.partners.example.com', 'https://example.io.evil.net'],
  });
  const regExps = [/^https:\/\/shop-\d+\.example\.org$/, /^https:\/\/(?:www|app)\.example\.net$/];
  cases.push({
    name: 'RegExp (2)',
    ours: regExps,
    cors: regExps,
    inputs: ['https://shop-42.example.org', 'https://shop-42.example.org.evil.net', 'https://app.example.net', 'https://api.example.net'],
  });

  const runners = cases.map(({ name, ours, cors, inputs }) => {
    const matcher = compileOrigin(ours as string[], 'bench');
    for (const input of inputs) {
      if (matcher.match(input, undefined) !== corsCheck(input, cors)) throw new Error(`${name}: the checks disagree on ${input}`);
    }
    return {
      name,
      ours: runner((origin) => matcher.match(origin, undefined), inputs),
      cors: runner((origin) => corsCheck(origin, cors), inputs),
    };
  });
  measure(runners.flatMap((entry) => [entry.ours, entry.cors]));
  return runners.map((entry) => ({ name: entry.name, oursNs: entry.ours.best, corsNs: entry.cors.best }));
}
