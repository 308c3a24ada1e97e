#!/usr/bin/env node
/**
 * `npm start`: the whole product on this machine, on the embedded default.
 *
 * Plain Node with no dependencies, because on a fresh clone nothing is installed yet: it installs
 * what is missing (`npm install`), builds the dashboard when it is absent or older than its
 * sources, then runs scripts/start.ts (API + dashboard + one runner) and hands it every signal,
 * so Ctrl-C stops everything cleanly.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (s) => process.stderr.write(`${s}\n`);

/** Files whose absence means `npm install` has not run (or not to the end). */
const INSTALLED = [
  'node_modules/tsx/package.json',
  'node_modules/next/package.json',
  'node_modules/better-sqlite3/build/Release/better_sqlite3.node',
  'node_modules/onnxruntime-node/package.json',
  'node_modules/@embolus/edge-api/package.json',
  // Workspaces added later (the CLI's and the trainer's own homes): a clone installed before them
  // needs `npm install` again to link them.
  'node_modules/@embolus/cli/package.json',
  'node_modules/@embolus/trainer/package.json',
];

function run(cmd, args, what, timeoutMs) {
  say(`» ${what}`);
  const r = spawnSync(cmd, args, {
    cwd: ROOT,
    stdio: 'inherit',
    timeout: timeoutMs,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  if (r.status !== 0) {
    say(`error: ${what} failed (${r.error ? r.error.message : `exit ${r.status ?? r.signal}`})`);
    process.exit(2);
  }
}

function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(p)) m = Math.max(m, newest(path.join(p, e)));
  return m;
}

if (INSTALLED.some((f) => !existsSync(path.join(ROOT, f)))) {
  run('npm', ['install', '--no-audit', '--no-fund'], 'installing dependencies (npm install)', 30 * 60_000);
}

const dash = path.join(ROOT, 'apps/dashboard');
const built = path.join(dash, 'out/index.html');
const sources = Math.max(...['app', 'components', 'lib', 'next.config.ts', 'package.json'].map((p) => newest(path.join(dash, p))));
if (!existsSync(built) || statSync(built).mtimeMs < sources) {
  run('npm', ['run', 'build', '-w', '@embolus/dashboard'], 'building the dashboard (next build)', 15 * 60_000);
}

const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts/start.ts')], { cwd: ROOT, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    if (child.exitCode === null) child.kill(sig);
  });
}
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
