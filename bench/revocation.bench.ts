/**
 * How long a revoked key keeps working: `embolus-api serve --workers 2` (loopback) caches the
 * key in both processes, then `embolus-api keys revoke` runs as a separate process. Requests go
 * on a new connection each (so the cluster spreads them over both workers) until the key has
 * been refused 20 times in a row; the lag is the time from the revoke command's exit to the last
 * request the key still passed (0 when none passed). Prints the median and maximum of several
 * runs and writes bench/results/revocation.json.
 *
 * Run: npx tsx bench/revocation.bench.ts
 */
import { execFile, spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeBenchResult } from '@embolus/local-stack/stats';

const here = path.dirname(fileURLToPath(import.meta.url));
const BIN = path.resolve(here, '../apps/edge-api/bin/embolus-api.mjs');
const RUNS = 5;

function cli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [BIN, ...args], (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
  );
}

function status(port: number, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/v1/studies?limit=1', agent: false, headers: { authorization: `Bearer ${key}` } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
  });
}

async function run(dir: string, port: number): Promise<number> {
  const key = (await cli(['keys', 'create', '--data', dir, '--tenant', 'bench', '--role', 'clinician'])).trim();
  const id = (await cli(['keys', 'list', '--data', dir, '--tenant', 'bench']))
    .trim()
    .split('\n')
    .find((l) => l.includes(key.slice(0, 12)))
    ?.split('\t')[0] as string;
  for (let i = 0; i < 20; i++) if ((await status(port, key)) !== 200) throw new Error('the key does not work before revocation');
  // Keep the key hot in both workers while the revoke command runs.
  let revokedAt = 0;
  let lastOk = 0;
  const revoke = cli(['keys', 'revoke', '--data', dir, '--tenant', 'bench', '--id', id]).then(() => (revokedAt = performance.now()));
  let refusedInARow = 0;
  while (refusedInARow < 20) {
    const s = await status(port, key);
    const t = performance.now();
    if (s === 200) {
      refusedInARow = 0;
      lastOk = t;
    } else if (s === 401 && revokedAt > 0) refusedInARow++;
  }
  await revoke;
  return Math.max(0, lastOk - revokedAt);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'embolus-revoke-bench-'));
  const server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data', dir, '--workers', '2'], {
    env: { ...process.env, EMBOLUS_LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let err = '';
      server.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /listening on http:\/\/[^:]+:(\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      server.on('exit', () => reject(new Error(`server exited: ${err}`)));
    });
    const lags: number[] = [];
    for (let i = 0; i < RUNS; i++) lags.push(await run(dir, port));
    const sorted = [...lags].sort((a, b) => a - b);
    const result = {
      processes: 2,
      runs: RUNS,
      lagMs: lags.map((l) => Math.round(l)),
      medianLagMs: Math.round(sorted[Math.floor(RUNS / 2)] as number),
      maxLagMs: Math.round(sorted[RUNS - 1] as number),
    };
    console.log(
      `revocation via CLI with 2 server processes: median lag ${result.medianLagMs} ms, max ${result.maxLagMs} ms ` +
        `over ${RUNS} runs (bound: 2000 ms)`,
    );
    writeBenchResult('revocation', result);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
