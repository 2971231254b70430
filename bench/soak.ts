import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ALLOWED_ORIGIN, CONTROLLERS, SAME_OPTIONS, VARIANTS, type Variant } from './app-shape.js';

/*
 * The soak: one server, a million mixed requests (random origins, hostile paths, every method, preflights),
 * and its memory after full collections, read after the warm-up and every tenth of the run. What a
 * per-request cache or a log buffer would keep shows as growth that the collections cannot take back.
 */

const { values: cli } = parseArgs({
  options: {
    platform: { type: 'string' },
    variant: { type: 'string' },
    requests: { type: 'string' },
    warmup: { type: 'string' },
    concurrency: { type: 'string' },
    seed: { type: 'string' },
    limit: { type: 'string' },
  },
});
const PLATFORM = cli.platform ?? process.env.BENCH_SOAK_PLATFORM ?? 'express';
const VARIANT = (cli.variant ?? 'E') as Variant;
const REQUESTS = Number(cli.requests ?? 1_000_000);
const WARMUP = Number(cli.warmup ?? 100_000);
const CONCURRENCY = Number(cli.concurrency ?? 16);
const SEED = Number(cli.seed ?? 20261201);
/** The most RSS and heap may grow from the reading after the warm-up to the last one, in bytes. */
const LIMIT = Number(cli.limit ?? 10 * 1024 * 1024);
const READINGS = 10;

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = join(here, '..', '..', '..');

/** mulberry32: a small seeded generator, so a run can be repeated request for request. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
    chance: (p: number) => next() < p,
  };
}
const rng = random(SEED);

const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'PROPFIND'];
const REQUESTED_HEADERS = ['content-type', 'x-request-id', 'content-type,x-request-id', 'authorization', 'x-unknown,x-other', ''];
const SEGMENTS = ['42', 'me', 'a%2Fb', '%2e%2e', '..', '%ZZ', 'x;y', '%C3%BC', 'K', 'a.b', '', 'items', '\\x'];

/** An origin: allowed ones, refused ones never seen before, none, and values an attacker would send. */
function origin(): string | undefined {
  const kind = rng.next();
  if (kind < 0.3) return rng.pick(SAME_OPTIONS.origin);
  if (kind < 0.55) return `https://t${rng.int(1e9)}.evil.example.net`;
  if (kind < 0.65) return `https://tenant-${rng.int(20_000)}.customers.example.org`; // half of them in E's list
  if (kind < 0.72) return `https://x${rng.int(1e6)}.partners.example.com`; // E's pattern
  if (kind < 0.85) return undefined;
  return rng.pick([
    'null',
    `${ALLOWED_ORIGIN}.evil.example`,
    `${ALLOWED_ORIGIN}:443`,
    'HTTPS://APP.EXAMPLE.COM',
    `https://${'a'.repeat(2100 + rng.int(500))}.example.com`,
    `https://app.example.com%00${rng.int(1e6)}`,
    `file://${rng.int(1e6)}`,
  ]);
}

/** A request target: the app's routes with random ids, unknown paths (each new), and hostile spellings. */
function target(): string {
  const kind = rng.next();
  const controller = `c${rng.int(CONTROLLERS)}`;
  if (kind < 0.5) return rng.chance(0.5) ? `/api/${controller}/items/${rng.int(1e7)}` : `/api/${controller}/items`;
  if (kind < 0.65) return `/api/unknown-${rng.int(1e9)}/${rng.pick(SEGMENTS)}`;
  if (kind < 0.9) {
    const path = `/api/${rng.chance(0.2) ? controller.toUpperCase() : controller}/items/${rng.pick(SEGMENTS)}`;
    return rng.pick([path, `${path}/`, `${path}//`, `/${path}`, `${path}?q=${rng.int(1e6)}`, `${path}#f`, `http://127.0.0.1${path}`, path.replace('/items', '/./items')]);
  }
  return `/api/${controller}/items/${'%41'.repeat(200 + rng.int(300))}`;
}

function request(): Buffer {
  const preflight = rng.chance(0.3);
  const method = preflight ? 'OPTIONS' : rng.pick(METHODS);
  const headers = [`${method} ${target()} HTTP/1.1`, 'Host: 127.0.0.1'];
  const from = origin();
  if (from !== undefined) headers.push(`Origin: ${from}`);
  if (preflight) {
    headers.push(`Access-Control-Request-Method: ${rng.pick(METHODS)}`);
    const requested = rng.pick(REQUESTED_HEADERS);
    if (requested) headers.push(`Access-Control-Request-Headers: ${requested}`);
  }
  let body = '';
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
    body = rng.chance(0.2) ? '{"broken": ' : JSON.stringify({ name: `n${rng.int(1e6)}`, tags: ['a'] });
    headers.push(`Content-Type: ${rng.chance(0.1) ? 'text/x-unknown' : 'application/json'}`, `Content-Length: ${Buffer.byteLength(body)}`);
  }
  return Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body}`, 'latin1');
}

const HEADER_END = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
const CONNECTION_CLOSE = /\r\nconnection: *close/i;

/** Where one response ends in `data`, or -1 while it is incomplete. */
function responseEnd(data: Buffer, method: string): number {
  const headerEnd = data.indexOf(HEADER_END);
  if (headerEnd < 0) return -1;
  const head = data.toString('latin1', 0, headerEnd);
  const status = Number(head.slice(9, 12));
  const bodyStart = headerEnd + 4;
  if (method === 'HEAD' || status === 204 || status === 304) return bodyStart;
  const length = /\r\ncontent-length: *(\d+)/i.exec(head);
  if (length) return data.length >= bodyStart + Number(length[1]) ? bodyStart + Number(length[1]) : -1;
  if (/\r\ntransfer-encoding: *chunked/i.test(head)) {
    const last = data.indexOf(LAST_CHUNK, bodyStart);
    return last < 0 ? -1 : last + LAST_CHUNK.length;
  }
  return -2; // ends with the connection
}

/** Sends `count` generated requests over CONCURRENCY connections; counts the statuses; reconnects after a close. */
function drive(port: number, count: number, statuses: Map<number, number>): Promise<void> {
  let sent = 0;
  let answered = 0;
  return new Promise((resolve, reject) => {
    const open = () => {
      const socket: Socket = connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      let pending: Buffer = Buffer.alloc(0);
      let method = '';
      let waiting = false;
      const next = () => {
        if (sent >= count) return socket.end();
        sent++;
        const bytes = request();
        method = bytes.toString('latin1', 0, bytes.indexOf(32));
        waiting = true;
        socket.write(bytes);
      };
      const answer = (status: number) => {
        waiting = false;
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (++answered === count) resolve();
      };
      socket.on('connect', next);
      socket.on('data', (chunk: Buffer) => {
        pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
        const end = responseEnd(pending, method);
        if (end < 0) return;
        const closing = CONNECTION_CLOSE.test(pending.toString('latin1', 0, pending.indexOf(HEADER_END)));
        answer(Number(pending.toString('latin1', 9, 12)));
        pending = pending.subarray(end);
        // The server closes this connection after the response (`Connection: close`): go on on a new one.
        if (closing) socket.end();
        else next();
      });
      socket.on('error', () => {});
      socket.on('close', () => {
        if (waiting) {
          // A response that ends with the connection (or none: the parser refused the request).
          answer(pending.length ? Number(pending.toString('latin1', 9, 12)) : 0);
        }
        if (sent < count) open();
      });
      socket.setTimeout(30_000, () => reject(new Error('no answer within 30 s')));
    };
    for (let i = 0; i < CONCURRENCY; i++) open();
  });
}

interface Memory {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  gc: boolean;
}

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const silent = setTimeout(() => reject(new Error(`server did not answer '${message}'`)), 30_000);
    child.once('message', (answer) => {
      clearTimeout(silent);
      resolve(answer as T);
    });
    child.send(message);
  });
}

const pinned = availableParallelism() >= 2;
const server = join(here, 'server.js');
const args = ['--expose-gc', server, VARIANT, PLATFORM];
const child = pinned
  ? spawn('taskset', ['-c', String(availableParallelism() - 1), process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] })
  : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
const port = await new Promise<number>((resolve, reject) => {
  child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk;
    const ready = /READY (\d+)/.exec(output);
    if (ready) resolve(Number(ready[1]));
  });
});

const MB = 1024 * 1024;
const mb = (bytes: number) => (bytes / MB).toFixed(1);
const statuses = new Map<number, number>();
const started = Date.now();
try {
  await drive(port, WARMUP, statuses);
  const readings: Array<Memory & { requests: number; seconds: number }> = [];
  const read = async (requests: number) => {
    const memory = await ask<Memory>(child, 'memory');
    if (!memory.gc) throw new Error('the server runs without --expose-gc: its readings would include garbage');
    readings.push({ ...memory, requests, seconds: Math.round((Date.now() - started) / 1000) });
    console.log(`${requests} requests: rss ${mb(memory.rss)} MB, heap used ${mb(memory.heapUsed)} MB`);
  };
  await read(0);
  for (let done = 0; done < REQUESTS; ) {
    const count = Math.min(REQUESTS / READINGS, REQUESTS - done);
    await drive(port, count, statuses);
    done += count;
    await read(done);
  }
  const [first, last] = [readings[0], readings.at(-1)!];
  const growth = { rss: last.rss - first.rss, heapUsed: last.heapUsed - first.heapUsed };
  const serverErrors = [...statuses].filter(([status]) => status >= 500 || status === 0).reduce((sum, [, n]) => sum + n, 0);
  const passed = growth.rss <= LIMIT && growth.heapUsed <= LIMIT && serverErrors === 0;
  const meta = {
    date: new Date().toISOString(),
    platform: PLATFORM,
    variant: `${VARIANT}: ${VARIANTS[VARIANT]}`,
    machine: `${availableParallelism()} cores, ${cpus()[0]?.model ?? 'unknown CPU'}`,
    node: process.version,
    requests: REQUESTS,
    warmup: WARMUP,
    concurrency: CONCURRENCY,
    seed: SEED,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  const lines = [
    `Soak, ${meta.date.slice(0, 10)}, platform ${PLATFORM}, variant ${meta.variant}, on ${meta.machine}, Node ${meta.node}: ` +
      `${WARMUP} warm-up requests, then ${REQUESTS} mixed requests (seed ${SEED}), ${CONCURRENCY} in flight, ${meta.seconds} s in all. ` +
      'Memory after four full collections (`--expose-gc`), read over IPC.',
    '',
    '| after requests | RSS (MB) | heap used (MB) | heap total (MB) | external (MB) |',
    '| ---: | ---: | ---: | ---: | ---: |',
    ...readings.map((r) => `| ${r.requests} | ${mb(r.rss)} | ${mb(r.heapUsed)} | ${mb(r.heapTotal)} | ${mb(r.external)} |`),
    '',
    `Growth from the reading after the warm-up to the last: RSS ${mb(growth.rss)} MB, heap used ${mb(growth.heapUsed)} MB ` +
      `(limit ${mb(LIMIT)} MB each): **${passed ? 'within the limit' : 'over the limit or failed'}**.`,
    '',
    `Statuses: ${[...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status || 'closed without answer'} × ${n}`).join(', ')}.`,
    '',
  ];
  console.log(`\n${lines.join('\n')}`);
  const results = join(projectRoot, 'bench', 'results');
  mkdirSync(results, { recursive: true });
  writeFileSync(join(results, `soak-${PLATFORM}.md`), lines.join('\n'));
  writeFileSync(join(results, `soak-${PLATFORM}.json`), `${JSON.stringify({ meta, readings, growth, statuses: Object.fromEntries(statuses), passed }, null, 2)}\n`);
  if (!passed) process.exitCode = 1;
} finally {
  child.kill('SIGTERM');
}
