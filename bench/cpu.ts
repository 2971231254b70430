import { execFileSync, execSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MEASURED_PATH, VARIANTS, type Variant } from './app-shape.js';
import { Connections, type Batch, type Load } from './load.js';
import { scenarios as allScenarios, type Scenario } from './scenarios.js';

/*
 * CPU time per request: the CPU the server process spends on exactly N requests, read from the kernel's
 * account of that process, divided by N. Unlike requests/s it does not depend on how much of a core the
 * server got, only on how much work it did; what still moves it on a shared VM (a slower host core, caches
 * shared with other work) moves on a scale of seconds, so the variants take turns in short chunks.
 */

const { values: cli } = parseArgs({
  options: {
    requests: { type: 'string' },
    chunk: { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    concurrency: { type: 'string' },
    variants: { type: 'string' },
    scenarios: { type: 'string' },
    base: { type: 'string' },
    out: { type: 'string' },
    fresh: { type: 'string' },
    platform: { type: 'string' },
  },
});
const setting = (name: keyof typeof cli, env: string, fallback: string) => String(cli[name] ?? process.env[env] ?? fallback);
const REQUESTS = Number(setting('requests', 'BENCH_CPU_REQUESTS', '20000'));
const CHUNK = Math.min(REQUESTS, Number(setting('chunk', 'BENCH_CPU_CHUNK', '500')));
const ROUNDS = Number(setting('rounds', 'BENCH_CPU_ROUNDS', '15'));
const WARMUP = Number(setting('warmup', 'BENCH_CPU_WARMUP', '3000'));
const CONCURRENCY = Number(setting('concurrency', 'BENCH_CPU_CONCURRENCY', '16'));
const BASE = cli.base ?? process.env.BENCH_CPU_BASE;
/** The HTTP platform every variant of the run serves on: `express` or `fastify`. */
const PLATFORM = setting('platform', 'BENCH_CPU_PLATFORM', 'express');
if (PLATFORM !== 'express' && PLATFORM !== 'fastify') throw new Error(`unknown platform ${PLATFORM}: express or fastify`);
const OUT = setting('out', 'BENCH_CPU_OUT', PLATFORM === 'express' ? 'cpu-latest' : `cpu-latest-${PLATFORM}`);
/** New server processes every round (1, the default) or one set for the whole run (0, quicker, biased per process). */
const FRESH = setting('fresh', 'BENCH_CPU_FRESH', '1') !== '0';
/** Requests on a round's fresh connections, not measured: they open the connections and wake the server up. */
const PRIME = Math.max(20 * CONCURRENCY, 200);

const here = dirname(fileURLToPath(import.meta.url));
const projectRoot = join(here, '..', '..', '..');
const CLK_TCK = Number(execSync('getconf CLK_TCK').toString().trim());

const gitCommit = (dir: string) => {
  try {
    const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--', 'src', 'bench') ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return `in ${dir}`; // not a git checkout (a `git archive` copy, say)
  }
};
const baseCommit = BASE ? gitCommit(resolve(BASE)) : '';

/**
 * A variant is data: a process that prints `READY <port>` and then serves the app shape of `kind`, whose
 * answers `scenarios.ts` checks. Another platform (Fastify), another build, another Node: another entry.
 */
interface VariantSpec {
  name: string;
  kind: Variant;
  label: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

const VARIANT_NAME = /^([A-E])(\d*)(@base)?$/;

/** `C` this build; `C2` this build again, in a process of its own (a control); `C@base` the build in `--base`. */
function variantSpec(name: string): VariantSpec {
  const parsed = VARIANT_NAME.exec(name);
  if (!parsed) throw new Error(`unknown variant ${name}: a letter A–E, then optionally a digit (another process) and @base`);
  const [, letter, copy, base] = parsed;
  const kind = letter as Variant;
  let server = join(here, 'server.js');
  if (base) {
    if (!BASE) throw new Error(`variant ${name} needs --base <dir> (or BENCH_CPU_BASE)`);
    server = join(resolve(BASE), 'build', 'bench', 'bench', 'server.js');
    if (!existsSync(server)) throw new Error(`${server} is missing: run \`npx tsc -p tsconfig.bench.json\` in ${BASE}`);
  }
  const label = `${VARIANTS[kind]}${copy ? ', another process (control)' : ''}${base ? `, base build ${baseCommit}` : ''}`;
  return { name, kind, label, command: process.execPath, args: [server, kind, PLATFORM] };
}

const ACTUAL = ['allowed', 'refused', 'no-origin'];
/** What the library promises, as ratios of CPU per request (`X vs Y` ≥ goal), checked when both variants ran. */
const TARGETS: Array<{ x: string; y: string; scenarios: string[]; goal: number | { express: number; fastify: number }; what: string }> = [
  { x: 'C', y: 'A', scenarios: ACTUAL, goal: 0.98, what: 'actual request ≥ 0.98 × no CORS' },
  { x: 'D', y: 'A', scenarios: ACTUAL, goal: 0.98, what: 'actual request ≥ 0.98 × no CORS' },
  { x: 'C', y: 'B', scenarios: ACTUAL, goal: 1, what: 'actual request ≥ 1.0 × enableCors' },
  { x: 'D', y: 'B', scenarios: ACTUAL, goal: 1, what: 'actual request ≥ 1.0 × enableCors' },
  { x: 'C', y: 'B', scenarios: ['preflight'], goal: { express: 2, fastify: 1.2 }, what: 'preflight cheaper than enableCors' },
  { x: 'D', y: 'B', scenarios: ['preflight'], goal: { express: 2, fastify: 1.2 }, what: 'preflight cheaper than enableCors' },
  { x: 'E', y: 'D', scenarios: [...ACTUAL, 'preflight'], goal: 0.98, what: '10,000 origins within 2 % of the short list' },
];

const variantNames = setting('variants', 'BENCH_CPU_VARIANTS', BASE ? 'C@base,C,C2' : 'A,B,C,C2,D,E').split(',').map((name) => name.trim());
const variants = variantNames.map(variantSpec);
const scenarios = setting('scenarios', 'BENCH_CPU_SCENARIOS', allScenarios.map((s) => s.id).join(','))
  .split(',')
  .map((id) => {
    const scenario = allScenarios.find((s) => s.id === id.trim());
    if (!scenario) throw new Error(`unknown scenario ${id}: ${allScenarios.map((s) => s.id).join(', ')}`);
    return scenario;
  });

/** Servers on the last core, this process (all its threads: `-a`) on the first. */
const CORES = availableParallelism(); // read before this process is pinned to one of them
const SERVER_CORE = CORES - 1;
const pinning = (() => {
  if (CORES < 2) return false;
  try {
    execSync(`taskset -a -cp 0 ${process.pid}`, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/**
 * Two benchmarks at once pin their servers to the same core and measure each other, so the run refuses to
 * start while another one (or a bench server) is running, unless BENCH_CPU_ALLOW_CONCURRENT=1.
 */
function otherBenchmarks(): string[] {
  const parentOf = (pid: number) => {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  };
  // This process and its ancestors (`npm run bench:cpu`'s shell names this script too) are not others.
  const ours = new Set<number>();
  for (let pid = process.pid; pid > 1 && !ours.has(pid); pid = parentOf(pid)) ours.add(pid);
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry) && !ours.has(Number(entry)))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (/bench\/bench\/(cpu|run|server|soak)\.js/.test(command)) found.push(`${pid}: ${command}`);
    } catch {
      // the process ended meanwhile
    }
  }
  return found;
}

/** A running variant: its process, its port and whether it answers the `start`/`stop` messages of server.ts. */
interface Server {
  spec: VariantSpec;
  child: ChildProcess;
  port: number;
  ipc: boolean;
  expectedStatus: Map<string, number>;
}

function startServer(spec: VariantSpec): Promise<Server> {
  const [command, ...args] = pinning ? ['taskset', '-c', String(SERVER_CORE), spec.command, ...spec.args] : [spec.command, ...spec.args];
  // `taskset` execs the server, so the child's pid is the server's own.
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: { ...process.env, ...spec.env } });
  return new Promise((resolvePromise, reject) => {
    child.once('exit', (code) => reject(new Error(`variant ${spec.name} exited with ${code}`)));
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const ready = /READY (\d+)( cpu-ipc)?(?: platform=(\w+))?\n/.exec(output);
      if (!ready) return;
      // A server of an older build serves Express whatever it is asked, and says no platform.
      const platform = ready[3] ?? 'express';
      if (platform !== PLATFORM) reject(new Error(`variant ${spec.name} serves ${platform}, not ${PLATFORM}`));
      else resolvePromise({ spec, child, port: Number(ready[1]), ipc: Boolean(ready[2]), expectedStatus: new Map() });
    });
  });
}

function ask(server: Server, message: string): Promise<unknown> {
  return new Promise((resolvePromise, reject) => {
    const silent = setTimeout(() => reject(new Error(`variant ${server.spec.name} did not answer '${message}' within 10 s`)), 10_000);
    server.child.once('message', (answer) => {
      clearTimeout(silent);
      resolvePromise(answer);
    });
    server.child.send(message);
  });
}

interface CpuReading {
  /** On-CPU nanoseconds of the process's threads (`/proc/<pid>/task/<tid>/schedstat`, first field), summed. */
  ns: number;
  /** utime + stime of `/proc/<pid>/stat`: the same time, finished threads included, in clock ticks. */
  ticks: number;
  threads: string[];
}

/**
 * A process's CPU time, read from outside, so any server works, an older commit's too. The nanoseconds of
 * schedstat let a chunk of a few hundred requests be timed; ticks (10 ms) would not.
 */
function readCpu(pid: number): CpuReading {
  const threads = readdirSync(`/proc/${pid}/task`);
  let ns = 0;
  for (const tid of threads) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      ns = NaN; // the thread ended between the listing and the read
    }
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd on; the 2nd, comm, may hold spaces
  return { ns, ticks: Number(fields[11]) + Number(fields[12]), threads };
}

/** Nanoseconds between two readings; from the ticks if a thread ended in between (its schedstat is gone). */
function cpuBetween(a: CpuReading, b: CpuReading): { ns: number; fromTicks: boolean } {
  if (!Number.isNaN(a.ns) && !Number.isNaN(b.ns) && a.threads.every((tid) => b.threads.includes(tid))) return { ns: b.ns - a.ns, fromTicks: false };
  return { ns: ((b.ticks - a.ticks) * 1e9) / CLK_TCK, fromTicks: true };
}

/** Non-idle ticks of one core (steal included), from /proc/stat: what ran on the servers' core besides them. */
function coreTicks(core: number): { busy: number; steal: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${core} `))!;
  const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number);
  return { busy: user + nice + system + irq + softirq + steal, steal };
}

/** One variant, one scenario, one round: N requests. */
interface Sample {
  round: number;
  /** Server CPU (user + system, all threads) per request, µs, from the first to the last request of the round. */
  cpuUs: number;
  /** The part of it spent inside the chunks: the rest ran between them (background work, timers). */
  inChunksUs: number;
  /** cpuUs from /proc/<pid>/stat's ticks, over the same span. */
  tickCpuUs: number;
  /** cpuUs from the server's own process.cpuUsage(), over a span just around it, when it answers IPC. */
  ipcCpuUs?: number;
  ticks: number;
  /** Chunks timed from ticks because a server thread ended. */
  chunksFromTicks: number;
  /** This process's CPU per request, µs: what the load generator costs. */
  clientUs: number;
  wallMs: number;
  rps: number;
  p99Ms: number;
  /** Share of the chunks' time the servers' core ran something other than this server (other processes, interrupts, steal). */
  otherLoad: number;
  steal: number;
  /** The same on the load generator's core, besides this process. */
  clientCoreOther: number;
}

const loadOf = (server: Server, scenario: Scenario): Load => ({
  port: server.port,
  method: scenario.method,
  path: MEASURED_PATH,
  headers: scenario.headers,
  status: server.expectedStatus.get(scenario.id)!,
});

/**
 * One round of one scenario: every variant gets N requests, in chunks of CHUNK, the variants taking turns
 * chunk by chunk (the turn order rotates from chunk to chunk), so that a slow second of the machine falls on
 * all of them. A variant's CPU is read before its first chunk and after its last: all the process did in
 * between, the background work its requests caused included.
 */
async function measureRound(servers: Server[], scenario: Scenario, round: number): Promise<Sample[]> {
  const runs = [];
  for (const server of servers) {
    const connections = await Connections.open(loadOf(server, scenario), CONCURRENCY);
    await connections.fire(PRIME);
    runs.push({ server, connections, batches: [] as Batch[], inChunksNs: 0, chunksFromTicks: 0, clientUs: 0, other: 0, steal: 0, clientCoreOther: 0, windowTicks: 0 });
  }
  try {
    await sleep(20); // let the last prime's background work finish
    const spans: CpuReading[] = [];
    for (const run of runs) {
      // The IPC exchange lies outside the /proc readings, so a server that does not speak it costs the same.
      if (run.server.ipc && (await ask(run.server, 'start')) !== 'started') throw new Error(`${run.server.spec.name}: unexpected IPC answer`);
      spans.push(readCpu(run.server.child.pid!));
    }
    for (let sent = 0, turn = 0; sent < REQUESTS; sent += CHUNK, turn++) {
      const count = Math.min(CHUNK, REQUESTS - sent);
      for (let i = 0; i < runs.length; i++) {
        const run = runs[(i + turn) % runs.length];
        const core0 = coreTicks(SERVER_CORE);
        const clientCore0 = coreTicks(0);
        const cpu0 = readCpu(run.server.child.pid!);
        const client0 = process.cpuUsage();
        run.batches.push(await run.connections.fire(count));
        const client = process.cpuUsage(client0);
        const cpu1 = readCpu(run.server.child.pid!);
        const core1 = coreTicks(SERVER_CORE);
        const clientCore1 = coreTicks(0);
        const chunk = cpuBetween(cpu0, cpu1);
        run.inChunksNs += chunk.ns;
        run.chunksFromTicks += chunk.fromTicks ? 1 : 0;
        run.clientUs += client.user + client.system;
        run.other += Math.max(0, core1.busy - core0.busy - (chunk.ns * CLK_TCK) / 1e9);
        run.steal += core1.steal - core0.steal;
        run.clientCoreOther += Math.max(0, clientCore1.busy - clientCore0.busy - ((client.user + client.system) * CLK_TCK) / 1e6);
        run.windowTicks += (run.batches.at(-1)!.wallMs / 1000) * CLK_TCK;
      }
    }
    await sleep(20);
    return await Promise.all(
      runs.map(async (run, i) => {
        const end = readCpu(run.server.child.pid!);
        const ipcCpuUs = run.server.ipc ? ((await ask(run.server, 'stop')) as { cpuMicros: number }).cpuMicros / REQUESTS : undefined;
        const wallMs = run.batches.reduce((sum, batch) => sum + batch.wallMs, 0);
        const latencies = Float64Array.from(run.batches.flatMap((batch) => [...batch.latencies])).sort();
        return {
          round,
          cpuUs: cpuBetween(spans[i], end).ns / 1000 / REQUESTS,
          inChunksUs: run.inChunksNs / 1000 / REQUESTS,
          tickCpuUs: ((end.ticks - spans[i].ticks) * 1e6) / CLK_TCK / REQUESTS,
          ipcCpuUs,
          ticks: end.ticks - spans[i].ticks,
          chunksFromTicks: run.chunksFromTicks,
          clientUs: run.clientUs / REQUESTS,
          wallMs,
          rps: REQUESTS / (wallMs / 1000),
          p99Ms: latencies[Math.ceil(0.99 * latencies.length) - 1],
          otherLoad: pinning ? run.other / run.windowTicks : NaN,
          steal: pinning ? run.steal / run.windowTicks : NaN,
          clientCoreOther: pinning ? run.clientCoreOther / run.windowTicks : NaN,
        };
      }),
    );
  } finally {
    for (const run of runs) run.connections.close();
  }
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (position - low);
};
const median = (values: number[]) => quantile(values, 0.5);

interface Ratio {
  median: number;
  p25: number;
  p75: number;
}

/** Every variant's answer to every scenario, once per process, before any timing; a wrong one stops the run. */
async function checkAnswers(server: Server): Promise<void> {
  for (const scenario of scenarios) {
    const response = await fetch(`http://127.0.0.1:${server.port}${MEASURED_PATH}`, { method: scenario.method, headers: scenario.headers });
    await response.arrayBuffer();
    const problem = scenario.check(server.spec.kind, response.status, response.headers);
    if (problem) throw new Error(`variant ${server.spec.name} (${server.spec.label}), ${scenario.name}: ${problem}; not timing a broken response`);
    server.expectedStatus.set(scenario.id, response.status);
  }
}

async function warmUp(server: Server): Promise<void> {
  for (const scenario of scenarios) {
    const connections = await Connections.open(loadOf(server, scenario), CONCURRENCY);
    await connections.fire(WARMUP);
    connections.close();
  }
}

const live = new Set<Server>();

async function startAll(specs: VariantSpec[]): Promise<Server[]> {
  const servers = await Promise.all(specs.map(startServer));
  for (const server of servers) {
    live.add(server);
    server.child.removeAllListeners('exit');
    server.child.once('exit', (code) => {
      console.error(`variant ${server.spec.name} exited with ${code} during the run`);
      process.exit(1);
    });
  }
  for (const server of servers) await checkAnswers(server);
  for (const server of servers) await warmUp(server);
  return servers;
}

async function stopAll(servers: Iterable<Server>): Promise<void> {
  await Promise.all(
    [...servers].map((server) => {
      live.delete(server);
      server.child.removeAllListeners('exit');
      if (server.child.exitCode !== null || server.child.signalCode !== null) return undefined;
      const exited = new Promise((done) => server.child.once('exit', done));
      server.child.kill('SIGTERM');
      const stuck = setTimeout(() => server.child.kill('SIGKILL'), 5000);
      return exited.finally(() => clearTimeout(stuck));
    }),
  );
}

async function main(): Promise<void> {
  const others = otherBenchmarks();
  if (others.length && process.env.BENCH_CPU_ALLOW_CONCURRENT !== '1') {
    throw new Error(`another benchmark is running; wait for it (or set BENCH_CPU_ALLOW_CONCURRENT=1):\n${others.join('\n')}`);
  }
  const started = Date.now();
  const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const loadAtStart = loadAverage();
  process.once('SIGINT', () => {
    for (const server of live) server.child.kill('SIGTERM');
    process.exit(130);
  });
  try {
    const samples = new Map<string, Sample[]>(); // `${variant}|${scenario id}`
    let servers = FRESH ? [] : await startAll(variants);
    for (let round = 0; round < ROUNDS; round++) {
      // Two processes of one build differ by a few per cent for as long as they live (JIT and memory layout),
      // so each round has processes of its own: a variant's median then spans ROUNDS processes.
      if (FRESH) servers = await startAll(variants);
      // Round r starts at variant r mod k, so each variant goes first, second, … equally often.
      const order = servers.map((_, i) => servers[(i + round) % servers.length]);
      for (const scenario of scenarios) {
        console.log(`round ${round + 1}/${ROUNDS}: ${scenario.name}`);
        const results = await measureRound(order, scenario, round);
        order.forEach((server, i) => {
          const key = `${server.spec.name}|${scenario.id}`;
          samples.set(key, [...(samples.get(key) ?? []), results[i]]);
        });
      }
      if (FRESH) await stopAll(servers);
      console.log(`round ${round + 1}/${ROUNDS} done (${Math.round((Date.now() - started) / 1000)} s)`);
    }
    await stopAll(live);

    const roundsOf = (name: string, scenario: Scenario) => samples.get(`${name}|${scenario.id}`)!;
    /** X vs Y: the median and quartiles of the per-round ratios cpu(Y) / cpu(X); above 1, X is cheaper. */
    const ratio = (x: string, y: string, scenario: Scenario, of = (s: Sample) => s.cpuUs): Ratio => {
      const ys = roundsOf(y, scenario);
      const perRound = roundsOf(x, scenario).map((sample, i) => of(ys[i]) / of(sample));
      return { median: median(perRound), p25: quantile(perRound, 0.25), p75: quantile(perRound, 0.75) };
    };
    const has = (name: string) => variantNames.includes(name);

    const rows = scenarios.flatMap((scenario) =>
      variants.map((spec) => {
        const rounds = roundsOf(spec.name, scenario);
        const cpu = rounds.map((s) => s.cpuUs);
        return {
          scenario: scenario.name,
          variant: spec.name,
          label: spec.label,
          cpuUs: median(cpu),
          cpuP25: quantile(cpu, 0.25),
          cpuP75: quantile(cpu, 0.75),
          vsA: has('A') ? ratio(spec.name, 'A', scenario) : undefined,
          vsB: has('B') ? ratio(spec.name, 'B', scenario) : undefined,
          rps: median(rounds.map((s) => s.rps)),
          p99Ms: median(rounds.map((s) => s.p99Ms)),
          wallMs: median(rounds.map((s) => s.wallMs)),
          busy: median(rounds.map((s) => (s.inChunksUs * REQUESTS) / 1000 / s.wallMs)),
          clientUs: median(rounds.map((s) => s.clientUs)),
        };
      }),
    );

    // The controls (another process of the same build: C2 vs C) and the builds side by side (C vs C@base).
    const pairs: Array<{ x: string; y: string; what: string }> = [];
    for (const name of variantNames) {
      const [, kind, copy, base] = VARIANT_NAME.exec(name)!;
      const original = `${kind}${base ?? ''}`;
      if (copy && has(original)) pairs.push({ x: name, y: original, what: 'control' });
      if (!copy && !base && has(`${kind}@base`)) pairs.push({ x: name, y: `${kind}@base`, what: 'this build vs base' });
    }
    if (has('E') && has('D')) pairs.push({ x: 'E', y: 'D', what: '10,000 origins vs the short list' });
    const comparisons = scenarios.flatMap((scenario) =>
      pairs.map((pair) => ({
        scenario: scenario.name,
        ...pair,
        ...ratio(pair.x, pair.y, scenario),
        tickMedian: ratio(pair.x, pair.y, scenario, (s) => s.tickCpuUs).median,
      })),
    );

    const targets = TARGETS.flatMap((target) =>
      scenarios
        .filter((scenario) => target.scenarios.includes(scenario.id) && has(target.x) && has(target.y))
        .map((scenario) => {
          const r = ratio(target.x, target.y, scenario);
          const goal = typeof target.goal === 'number' ? target.goal : target.goal[PLATFORM as 'express' | 'fastify'];
          const verdict = r.median >= goal ? (r.p25 >= goal ? 'met' : 'met at the median, p25 below') : r.p75 >= goal ? 'missed at the median, p75 above' : 'missed';
          return { scenario: scenario.name, x: target.x, y: target.y, what: target.what, goal, ...r, verdict };
        }),
    );

    const all = [...samples.values()].flat();
    const relative = (values: Sample[], of: (s: Sample) => number) => {
      const errors = values.map((s) => Math.abs(of(s) - s.cpuUs) / s.cpuUs);
      return { samples: values.length, median: median(errors), p90: quantile(errors, 0.9), max: Math.max(...errors) };
    };
    const withIpc = all.filter((s) => s.ipcCpuUs !== undefined);
    const minTicks = Math.min(...all.map((s) => s.ticks));
    const resolution = {
      clockTicksPerSecond: CLK_TCK,
      ticksPerSample: { min: minTicks, median: median(all.map((s) => s.ticks)), max: Math.max(...all.map((s) => s.ticks)) },
      // utime and stime are each rounded down to a tick, so a difference of two readings is off by under 2 ticks.
      worstCaseTickErrorOfSmallestSample: 2 / minTicks,
      ticksVsSchedstat: relative(all, (s) => s.tickCpuUs),
      /** How far the comparisons' ratios would move if computed from the ticks. */
      ratioShiftFromTicks: Math.max(0, ...comparisons.map((c) => Math.abs(c.tickMedian / c.median - 1))),
      ipcVsSchedstat: withIpc.length ? relative(withIpc, (s) => s.ipcCpuUs!) : undefined,
      betweenChunks: median(all.map((s) => 1 - s.inChunksUs / s.cpuUs)),
      chunksFromTicks: all.reduce((sum, s) => sum + s.chunksFromTicks, 0),
    };
    const otherLoads = all.map((s) => s.otherLoad);
    const noise = pinning
      ? {
          otherLoadOnServerCore: { median: median(otherLoads), p90: quantile(otherLoads, 0.9), max: Math.max(...otherLoads) },
          steal: { median: median(all.map((s) => s.steal)), max: Math.max(...all.map((s) => s.steal)) },
          otherLoadOnClientCore: { median: median(all.map((s) => s.clientCoreOther)), p90: quantile(all.map((s) => s.clientCoreOther), 0.9) },
        }
      : undefined;

    const meta = {
      date: new Date().toISOString(),
      commit: gitCommit(projectRoot),
      base: BASE ? { dir: resolve(BASE), commit: baseCommit } : undefined,
      machine: `${CORES} cores, ${cpus()[0]?.model ?? 'unknown CPU'}`,
      node: process.version,
      platform: PLATFORM,
      requests: REQUESTS,
      chunk: CHUNK,
      rounds: ROUNDS,
      warmup: WARMUP,
      freshProcessesEachRound: FRESH,
      concurrency: CONCURRENCY,
      pinning: pinning ? `servers on core ${SERVER_CORE}, load generator on core 0` : 'not pinned',
      loadAverage: { start: loadAtStart, end: loadAverage() },
      totalSeconds: Math.round((Date.now() - started) / 1000),
    };
    const markdown = renderMarkdown(meta, rows, comparisons, targets, resolution, noise);
    console.log(`\n${markdown}`);
    const results = join(projectRoot, 'bench', 'results');
    mkdirSync(results, { recursive: true });
    const perRound = Object.fromEntries(samples);
    writeFileSync(join(results, `${OUT}.json`), `${JSON.stringify({ meta, rows, comparisons, targets, resolution, noise, samples: perRound }, null, 2)}\n`);
    writeFileSync(join(results, `${OUT}.md`), markdown);
  } finally {
    await stopAll(live);
  }
}

const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
const signedPercent = (value: number) => `${value >= 0 ? '+' : '−'}${Math.abs(value * 100).toFixed(1)} %`;
const formatRatio = (r: Ratio | undefined) => (r ? `${r.median.toFixed(3)} (${r.p25.toFixed(3)}–${r.p75.toFixed(3)})` : '');

function renderMarkdown(
  meta: Record<string, any>,
  rows: Array<Record<string, any>>,
  comparisons: Array<Ratio & { scenario: string; x: string; y: string; what: string }>,
  targets: Array<Ratio & { scenario: string; x: string; y: string; what: string; goal: number; verdict: string }>,
  resolution: Record<string, any>,
  noise: Record<string, any> | undefined,
): string {
  const lines = [
    `CPU time per request, run of ${String(meta.date).slice(0, 10)} at commit \`${meta.commit}\`` +
      `${meta.base ? `, base \`${meta.base.commit}\` (${meta.base.dir})` : ''}, on ${meta.machine}, Node ${meta.node}, platform ${meta.platform}: ` +
      `${meta.rounds} rounds × ${meta.requests} requests per variant and scenario, in turns of ${meta.chunk}; ${meta.concurrency} in flight; ` +
      `${meta.freshProcessesEachRound ? 'new server processes each round, ' : 'the same server processes all along, '}${meta.warmup} warm-up requests per process and scenario; ${meta.pinning}; whole run ${meta.totalSeconds} s.`,
    '',
    "CPU = the server process's user + system time (all threads, from /proc) over the N requests of a round, per request; " +
      'the table gives the median of the rounds and their p25–p75. A ratio "X vs Y" is the median of the per-round ratios cpu(Y) / cpu(X): ' +
      '**above 1, X is that many times as cheap as Y**; in brackets the middle half of the rounds (p25–p75). ' +
      '× A and × B: each variant vs A, vs B. Requests/s, p99 and server busy (its CPU / wall time while it had requests) are secondary.',
    '',
    '| scenario | variant | CPU µs/request | rounds p25–p75 | × A | × B | requests/s | p99 (ms) | server busy |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.scenario} | ${row.variant}: ${row.label} | ${row.cpuUs.toFixed(1)} | ${row.cpuP25.toFixed(1)}–${row.cpuP75.toFixed(1)} | ` +
        `${formatRatio(row.vsA)} | ${formatRatio(row.vsB)} | ${Math.round(row.rps)} | ${row.p99Ms.toFixed(2)} | ${percent(row.busy)} |`,
    ),
    '',
  ];
  if (comparisons.length) {
    lines.push(
      'Side by side in the same run. A control is another process of the same build: how far it lands from 1, and its p25–p75, ' +
        'are the noise floor for the other rows. "X\'s CPU" is 1 / ratio − 1: + means X spends more CPU per request than Y.',
      '',
      "| scenario | X vs Y | what | ratio | p25–p75 | X's CPU |",
      '| --- | --- | --- | ---: | ---: | ---: |',
      ...comparisons.map(
        (c) => `| ${c.scenario} | ${c.x} vs ${c.y} | ${c.what} | ${c.median.toFixed(3)} | ${c.p25.toFixed(3)}–${c.p75.toFixed(3)} | ${signedPercent(1 / c.median - 1)} |`,
      ),
      '',
    );
  }
  if (targets.length) {
    lines.push(
      'Targets (ratios of CPU per request, higher = cheaper). Met when the median reaches the goal; the verdict says where the middle half of the rounds lies.',
      '',
      '| scenario | X vs Y | target | goal | ratio | p25–p75 | verdict |',
      '| --- | --- | --- | ---: | ---: | ---: | --- |',
      ...targets.map((t) => `| ${t.scenario} | ${t.x} vs ${t.y} | ${t.what} | ≥ ${t.goal} | ${t.median.toFixed(3)} | ${t.p25.toFixed(3)}–${t.p75.toFixed(3)} | ${t.verdict} |`),
      '',
    );
  }
  const ticks = resolution.ticksVsSchedstat;
  const ipc = resolution.ipcVsSchedstat;
  lines.push(
    `Resolution: CPU is read in nanoseconds (schedstat of each thread). Over the same spans, /proc/<pid>/stat's ticks ` +
      `(${(1000 / resolution.clockTicksPerSecond).toFixed(0)} ms; ${resolution.ticksPerSample.min}–${resolution.ticksPerSample.max} per round and variant, ` +
      `median ${resolution.ticksPerSample.median}) differ by median ${percent(ticks.median)}, p90 ${percent(ticks.p90)}, max ${percent(ticks.max)}; ` +
      `the comparisons computed from ticks would move by at most ${percent(resolution.ratioShiftFromTicks)}.` +
      (ipc ? ` The servers' own process.cpuUsage() (IPC, ${ipc.samples} spans) differs by median ${percent(ipc.median)}, max ${percent(ipc.max)}.` : '') +
      ` ${percent(resolution.betweenChunks)} of a server's CPU (median) ran between its turns.`,
  );
  if (noise) {
    lines.push(
      '',
      `Other load on the servers' core while a server had its turn (other processes, interrupts, steal), share of the time: ` +
        `median ${percent(noise.otherLoadOnServerCore.median)}, p90 ${percent(noise.otherLoadOnServerCore.p90)}, max ${percent(noise.otherLoadOnServerCore.max)}; ` +
        `steal alone median ${percent(noise.steal.median)}, max ${percent(noise.steal.max)}. ` +
        `On the load generator's core, besides it: median ${percent(noise.otherLoadOnClientCore.median)}, p90 ${percent(noise.otherLoadOnClientCore.p90)}. Load average ${meta.loadAverage.start} at the start, ${meta.loadAverage.end} at the end.`,
    );
  }
  lines.push('');
  return lines.join('\n');
}

await main();
