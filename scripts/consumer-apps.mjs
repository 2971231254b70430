// `npm run test:consumers`: the packed library as apps install it. Packs the package (npm pack), then, in a
// fresh scratch folder per app, installs the tarball into a copy of test/consumers/<app>/ and checks what a
// user would do with it:
//
//   install   npm install of the app's dependencies and the tarball (a copy, never a link to this repo)
//   maps      every source map and declaration map of the installed package points at a file it contains
//   build     tsc
//   types     the public types under moduleResolution node10, node16, nodenext and bundler (test/consumers/types;
//             after the build, which would otherwise compile its files too)
//   boot      `node dist/main.js` on 127.0.0.1, port 0: an allowed preflight (204 with
//             Access-Control-Allow-Origin), a refused one (403 without it), an actual request
//   test      the app's own e2e test in its own runner (vitest, node:test, Jest)
//   one-copy  the app module loaded one way (import or require()) and getCorsPolicyReport the other way
//             see the same provider class
//
// Usage: node scripts/consumer-apps.mjs [--tarball FILE] [--keep] [APP...]
//   --tarball FILE             use this tarball instead of packing the repository
//   --keep                     keep the scratch folders (their paths are printed)
// Exits 1 when an app failed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGE = 'nestjs-cors-policy';
const ALLOWED_ORIGIN = 'http://localhost:5173';

const APPS = [
  { name: 'esm-nest12', what: 'ES modules, Nest 12, vitest: `nest new` of @nestjs/cli 12', steps: ['install', 'maps', 'build', 'boot', 'test', 'one-copy'] },
  { name: 'cjs-nest12', what: 'CommonJS, Nest 12, node:test', steps: ['install', 'build', 'types', 'boot', 'test', 'one-copy'] },
  { name: 'cjs-nest11', what: 'CommonJS, Nest 11, Jest + ts-jest: `nest new` of @nestjs/cli 11', steps: ['install', 'build', 'types', 'boot', 'test', 'one-copy'] },
];

const options = parseArguments(process.argv.slice(2));

async function main() {
  const scratch = mkdtempSync(join(tmpdir(), 'nestjs-cors-policy-consumers-'));
  try {
    const tarball = options.tarball ?? pack(scratch);
    checkTarball(tarball);
    console.log(`Scratch folder: ${scratch}`);
    const results = [];
    for (const app of APPS.filter((candidate) => options.apps.length === 0 || options.apps.includes(candidate.name))) {
      results.push(await runApp(app, tarball, join(scratch, app.name)));
    }
    return summarise(results);
  } finally {
    if (options.keep) console.log(`Kept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
}

function parseArguments(args) {
  const parsed = { tarball: undefined, keep: false, apps: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--keep') parsed.keep = true;
    else if (arg === '--tarball') parsed.tarball = resolve(args[++i]);
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else parsed.apps.push(arg);
  }
  for (const app of parsed.apps) {
    if (!APPS.some((candidate) => candidate.name === app)) throw new Error(`no consumer app ${app}: ${APPS.map((a) => a.name).join(', ')}`);
  }
  return parsed;
}

/** Builds the library and packs it as `npm publish` would, into `folder`. */
function pack(folder) {
  execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: ['ignore', 'inherit', 'inherit'] });
  const output = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', folder], { cwd: repo, encoding: 'utf8' });
  return join(folder, JSON.parse(output)[0].filename);
}

/** The files an app needs are in the tarball, and no test, benchmark or sample. */
function checkTarball(tarball) {
  const paths = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((path) => path.replace(/^package\//, ''));
  const missing = ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts', 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/cjs/package.json', 'src/index.ts']
    .filter((path) => !paths.includes(path));
  const unwanted = paths.filter((path) => /\.spec\.ts$|^test\/|^bench\/|^sample-app\//.test(path));
  if (missing.length > 0) throw new Error(`${tarball} lacks ${missing.join(', ')}`);
  if (unwanted.length > 0) throw new Error(`${tarball} holds ${unwanted.join(', ')}`);
  console.log(`${tarball}: ${paths.length} files`);
}

async function runApp(app, tarball, dir) {
  cpSync(join(repo, 'test/consumers', app.name), dir, { recursive: true });
  console.log(`\n=== ${app.name} (${app.what}) in ${dir}`);
  const result = { app: app.name, failures: [], passed: [] };
  for (const step of app.steps) {
    const started = Date.now();
    let outcome;
    try {
      outcome = await STEPS[step](dir, tarball);
    } catch (error) {
      outcome = { ok: false, log: error instanceof Error ? (error.stack ?? error.message) : String(error) };
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    writeFileSync(join(dir, `${step}.log`), outcome.log);
    if (outcome.ok) {
      result.passed.push(step);
      console.log(`--- ${step}: passed (${seconds} s)${outcome.note ? `\n${indent(outcome.note)}` : ''}`);
      continue;
    }
    result.failures.push({ step, log: outcome.log, reason: reasonOf(outcome.log) });
    console.log(`--- ${step}: FAILED (${seconds} s): ${reasonOf(outcome.log)}\n${indent(tail(outcome.log, 30))}`);
    // Nothing runs without the dependencies or the compiled app.
    if (step === 'install' || step === 'build') break;
  }
  return result;
}

const STEPS = {
  install(dir, tarball) {
    const run = npm(dir, ['install', '--no-audit', '--no-fund', tarball]);
    if (!run.ok) return run;
    const installed = join(dir, 'node_modules', PACKAGE);
    if (lstatSync(installed).isSymbolicLink()) return { ok: false, log: `${installed} is a link, not the tarball's files` };
    const { version } = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
    const nest = JSON.parse(readFileSync(join(dir, 'node_modules/@nestjs/core/package.json'), 'utf8')).version;
    return { ...run, note: `${PACKAGE} ${version} from the tarball, @nestjs/core ${nest}` };
  },

  /** Every `sources` entry of every map in the installed package names a file of the package. */
  maps(dir) {
    const root = join(dir, 'node_modules', PACKAGE);
    const problems = [];
    let maps = 0;
    let sources = 0;
    for (const file of walk(join(root, 'dist')).filter((path) => path.endsWith('.map'))) {
      maps++;
      const map = JSON.parse(readFileSync(file, 'utf8'));
      for (const source of map.sources) {
        sources++;
        const target = resolve(dirname(file), map.sourceRoot ?? '', source);
        if (relative(root, target).startsWith('..') || !existsSync(target)) problems.push(`${relative(root, file)}: ${source}`);
      }
    }
    if (maps === 0) problems.push('no source maps in dist/');
    const log = problems.length ? `Sources not in the package:\n${problems.join('\n')}` : `${maps} maps, ${sources} sources, all in the package`;
    return { ok: problems.length === 0, log, note: log };
  },

  /** test/consumers/types under each moduleResolution, with the app's TypeScript and Nest. */
  types(dir) {
    const checks = join(dir, 'types-check');
    cpSync(join(repo, 'test/consumers/types'), checks, { recursive: true });
    for (const copy of ['check.cts', 'check.mts']) cpSync(join(checks, 'check.ts'), join(checks, copy));
    const tsc = join(dir, 'node_modules/typescript/bin/tsc');
    const typescript = JSON.parse(readFileSync(join(dir, 'node_modules/typescript/package.json'), 'utf8')).version;
    const logs = [];
    const notes = [`TypeScript ${typescript}`];
    let ok = true;
    for (const mode of ['node10', 'node16', 'nodenext', 'bundler']) {
      const args = [tsc, '-p', `tsconfig.${mode}.json`, '--listFiles'];
      // TypeScript 6 deprecates node10, and asks for this to check it at all.
      if (mode === 'node10' && Number(typescript.split('.')[0]) >= 6) args.push('--ignoreDeprecations', '6.0');
      // Declarations are checked in full once, under nodenext, which reads both ours (dist/cjs/ for .cts,
      // dist/ for .mts); the other modes check how the program resolves and types them, which is much faster.
      // Under node16 with Nest 12 a full check cannot pass anyway: Nest 12 publishes ES modules only, and a
      // node16 CommonJS file cannot import their declarations (TS1479), neither the program's nor ours.
      const skipLibCheck = mode !== 'nodenext';
      if (skipLibCheck) args.push('--skipLibCheck');
      const run = spawnSync(process.execPath, args, { cwd: checks, encoding: 'utf8' });
      const output = `${run.stdout}${run.stderr}`;
      const entries = output.split('\n').filter((line) => line.includes(`${PACKAGE}/dist/`) && line.endsWith('index.d.ts'));
      const errors = output.split('\n').filter((line) => line.includes('error TS'));
      const label = `${mode}${skipLibCheck ? ' (skipLibCheck)' : ''}`;
      logs.push(`== ${label}: exit ${run.status}\n${errors.join('\n')}`);
      notes.push(`${label}: ${run.status === 0 ? 'ok' : 'ERRORS'}, ${entries.map((entry) => relative(join(dir, 'node_modules', PACKAGE), entry)).join(' + ')}`);
      if (run.status !== 0) ok = false;
    }
    return { ok, log: logs.join('\n'), note: notes.join('\n') };
  },

  build: (dir) => npm(dir, ['run', 'build']),

  boot: (dir) => boot(dir),

  test: (dir) => npm(dir, ['run', 'test:e2e']),

  'one-copy'(dir) {
    const run = spawnSync(process.execPath, ['check-one-copy.mjs'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    const log = `${run.stdout}${run.stderr}`;
    const ok = run.status === 0 && !/warning/i.test(run.stderr);
    return { ok, log, note: ok ? run.stdout.trim() : undefined };
  },
};

function npm(dir, args) {
  const run = spawnSync('npm', args, { cwd: dir, encoding: 'utf8', timeout: 300_000 });
  return { ok: run.status === 0, log: `$ npm ${args.join(' ')}\n${run.stdout}${run.stderr}${run.error ? `\n${run.error.message}` : ''}` };
}

/** Starts the compiled app as `npm run start:prod` would, with PORT=0, and sends it three requests. */
async function boot(dir) {
  const child = spawn(process.execPath, ['dist/main.js'], { cwd: dir, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  try {
    const url = await new Promise((found, failed) => {
      const timer = setTimeout(() => failed(new Error('the app printed no "Listening on" line within 30 s')), 30_000);
      const read = (chunk) => {
        output += chunk;
        const match = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          found(match[1]);
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        failed(new Error(`the app exited (${signal ?? `code ${code}`}) before listening`));
      });
    });
    const checks = [
      {
        name: 'allowed preflight',
        send: () => send(url, 'OPTIONS', '/reports', { Origin: ALLOWED_ORIGIN, 'Access-Control-Request-Method': 'GET' }),
        expect: { status: 204, 'access-control-allow-origin': ALLOWED_ORIGIN, 'access-control-allow-credentials': 'true' },
      },
      {
        name: 'refused preflight',
        send: () => send(url, 'OPTIONS', '/reports', { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' }),
        expect: { status: 403, 'access-control-allow-origin': undefined },
      },
      {
        name: 'actual request',
        send: () => send(url, 'GET', '/reports', { Origin: ALLOWED_ORIGIN }),
        expect: { status: 200, 'access-control-allow-origin': ALLOWED_ORIGIN, 'access-control-expose-headers': 'X-Total-Count' },
      },
    ];
    const lines = [];
    let ok = true;
    for (const check of checks) {
      const response = await check.send();
      const wrong = Object.entries(check.expect).filter(([key, value]) => (key === 'status' ? response.status : response.headers[key]) !== value);
      ok &&= wrong.length === 0;
      const seen = Object.keys(check.expect).map((key) => `${key === 'status' ? 'status' : key} ${JSON.stringify(key === 'status' ? response.status : response.headers[key])}`);
      lines.push(`${wrong.length ? 'WRONG' : 'ok'}: ${check.name}: ${seen.join(', ')}`);
    }
    // Node prints `(node:PID) ExperimentalWarning: …` for, e.g., a require() of ES modules it still flags.
    const warnings = output.split('\n').filter((line) => /^\(node:\d+\) \w*Warning/.test(line));
    if (warnings.length) lines.push(`WRONG: Node warned: ${warnings.join(' | ')}`);
    ok &&= warnings.length === 0;
    return { ok, log: `${output}\n${lines.join('\n')}`, note: `${url}\n${lines.join('\n')}` };
  } catch (error) {
    return { ok: false, log: `${output}\n${error.message}` };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  }
}

function send(url, method, path, headers) {
  return new Promise((done, failed) => {
    const req = request(new URL(path, url), { method, headers, timeout: 10_000 }, (response) => {
      response.resume();
      response.on('end', () => done({ status: response.statusCode, headers: response.headers }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.on('error', failed);
    req.end();
  });
}

function summarise(results) {
  console.log('\n=== Consumer apps');
  const count = { passed: 0, failed: 0 };
  for (const { app, failures, passed } of results) {
    if (failures.length === 0) {
      count.passed++;
      console.log(`${app}: passed (${passed.join(', ')})`);
    } else {
      count.failed++;
      console.log(`${app}: FAILED at ${failures.map((failure) => `${failure.step}: ${failure.reason}`).join('; ')}`);
    }
  }
  console.log(`consumers: ${count.passed} passed, ${count.failed} failed`);
  return count.failed === 0 ? 0 : 1;
}

/** The line that best names the error: a missing module, an error's message, a failed check; else the last line. */
function reasonOf(log) {
  const lines = log.split('\n').map((line) => line.trim()).filter(Boolean);
  const patterns = [/Cannot find (?:module|package)/, /^(?:\w*Error|Error \[\w+\])\b.*:/, /error TS\d+|WRONG:|FAIL\b|not ok/];
  for (const pattern of patterns) {
    const line = lines.find((candidate) => pattern.test(candidate));
    if (line) return line.slice(0, 300);
  }
  return (lines.at(-1) ?? '(no output)').slice(0, 300);
}

function tail(text, count) {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

function indent(text) {
  return text.split('\n').map((line) => `    ${line}`).join('\n');
}

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

process.exit(await main());
