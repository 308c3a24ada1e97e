/**
 * The pieces of an end-to-end run on one machine: the API on Node (in this process, over a
 * temporary data folder), runner processes (`embolus-runner`, so they can be killed), phantom
 * studies uploaded over HTTP, and `embolus analyze` for reference results. Used by the
 * quickstart script, the end-to-end benchmarks and the e2e tests (never by product code).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Role } from '@embolus/db';
import { startServer, type RunningServer } from '@embolus/edge-api/node';
import { dicomFiles } from '@embolus/testkit/files';

/** The repository root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The `embolus` CLI (analyze, phantom, …). */
export const CLI = path.join(ROOT, 'apps/cli/bin/embolus.mjs');
/** The job runner's program, `embolus-runner`. */
export const RUNNER_BIN = path.join(ROOT, 'apps/gpu-runner/bin/embolus-runner.mjs');
/** The demo model; its files may change between runs, so tests only compare runs of the same files. */
export const DEMO_MODEL = path.join(ROOT, 'models/demo');

/** A fresh temporary folder, removed by `cleanup()`. */
export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), `embolus-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The API on an ephemeral loopback port. */
export interface Api {
  server: RunningServer;
  url: string;
  key(role: Role, tenant?: string): Promise<string>;
  call(method: string, p: string, key: string, init?: { json?: unknown; body?: Uint8Array; contentType?: string }): Promise<Response>;
  close(): Promise<void>;
}

/** Starts the API on Node over `dataDir` (no dispatcher, quiet logs, no rate limit) on `port` (0: any free one). */
export async function startApi(dataDir: string, env: Record<string, string> = {}, port = 0): Promise<Api> {
  const server = await startServer({
    dataDir,
    port,
    dispatcher: false,
    env: { EMBOLUS_LOG_LEVEL: 'error', EMBOLUS_RATE_LIMIT_PER_MINUTE: '1000000', EMBOLUS_AUTH_CACHE_SECONDS: '0', ...env },
  });
  const url = `http://127.0.0.1:${server.port}`;
  const store = server.runtime.deps.store;
  return {
    server,
    url,
    async key(role, tenant = 'hospital') {
      const t = await store.tenants.ensure(tenant);
      return (await store.keys.create({ tenantId: t.id, role })).key;
    },
    call(method, p, key, init = {}) {
      const headers: Record<string, string> = { authorization: `Bearer ${key}` };
      let body: RequestInit['body'];
      if (init.json !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(init.json);
      } else if (init.body) {
        headers['content-type'] = init.contentType ?? 'application/dicom';
        body = init.body as unknown as RequestInit['body'];
      }
      return fetch(url + p, { method, headers, ...(body !== undefined ? { body } : {}) });
    },
    close: () => server.close(),
  };
}

/** Every .dcm file under a folder, sorted (from @embolus/testkit). */
export { dicomFiles };

/** Creates a study, uploads every instance of `dir` (phantom files are named by SOP UID) and submits it. */
export async function uploadStudy(
  api: Api,
  key: string,
  dir: string,
  concurrency = 8,
): Promise<{ studyId: string; jobId: string; instances: number }> {
  const created = (await (await api.call('POST', '/v1/studies', key, { json: {} })).json()) as { id: string };
  const files = dicomFiles(dir);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < files.length) {
        const f = files[next++]!;
        const res = await api.call('PUT', `/v1/studies/${created.id}/instances/${path.basename(f, '.dcm')}`, key, {
          body: readFileSync(f),
        });
        if (res.status !== 201 && res.status !== 200) throw new Error(`upload ${res.status}: ${await res.text()}`);
      }
    }),
  );
  const sub = (await (await api.call('POST', `/v1/studies/${created.id}/submit`, key)).json()) as { job: { id: string } };
  return { studyId: created.id, jobId: sub.job.id, instances: files.length };
}

/** One JSON log line of a runner. */
export type LogLine = Record<string, unknown> & { event: string };

/** A runner process with its parsed log. */
export interface RunnerProcess {
  child: ChildProcess;
  logs: LogLine[];
  stderr: string[];
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  exited: Promise<number | null>;
}

/** Starts `embolus-runner` against `api` with `extra` flags. */
export function startRunner(api: Api, key: string, workDir: string, extra: string[] = [], env: Record<string, string> = {}): RunnerProcess {
  const args = [RUNNER_BIN, '--api', api.url, '--work-dir', workDir, '--poll-seconds', '0.2', '--model-dir', DEMO_MODEL, ...extra];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, EMBOLUS_RUNNER_KEY: key, EMBOLUS_EXECUTION_PROVIDER: 'cpu', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const waiters: { pred: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let parsed: LogLine;
      try {
        parsed = JSON.parse(line) as LogLine;
      } catch {
        stderr.push(`stdout (not JSON): ${line}`);
        continue;
      }
      logs.push(parsed);
      for (const w of [...waiters]) if (w.pred(parsed)) waiters.splice(waiters.indexOf(w), 1), w.resolve(parsed);
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (t: string) => stderr.push(t));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return {
    child,
    logs,
    stderr,
    exited,
    waitForLog(pred, timeoutMs = 120_000) {
      const found = logs.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          const tail = `stderr: ${stderr.join('').slice(-2000)}; logs: ${JSON.stringify(logs.slice(-10))}`;
          reject(new Error(`no matching runner log within ${timeoutMs} ms; ${tail}`));
        }, timeoutMs);
        waiters.push({ pred, resolve: (l) => (clearTimeout(t), resolve(l)) });
      });
    },
  };
}

/** Stops a runner with `signal` and waits for it to exit. */
export async function stopRunner(r: RunnerProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (r.child.exitCode !== null || r.child.signalCode !== null) return r.child.exitCode;
  r.child.kill(signal);
  return r.exited;
}

/** Runs the `embolus` CLI and returns stdout (throws on a non-zero exit). */
export function embolus(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, EMBOLUS_EXECUTION_PROVIDER: 'cpu' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`embolus ${args[0]} exited ${code}: ${err.slice(-2000)}`))));
  });
}

/** Polls `fn` until it returns a value other than undefined. */
export async function waitFor<T>(fn: () => Promise<T | undefined>, timeoutMs = 120_000, everyMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The `embolus-api` CLI. */
export const API_CLI = path.join(ROOT, 'apps/edge-api/bin/embolus-api.mjs');

/**
 * Starts `embolus-api serve` over `dataDir` as a process on a free loopback port (benchmarks
 * measure it from outside); resolves once it prints where it listens, rejects if it exits first.
 */
export async function spawnApi(
  dataDir: string,
  o: { args?: string[]; env?: Record<string, string>; echoStderr?: boolean } = {},
): Promise<{ child: ChildProcess; base: string; port: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [API_CLI, 'serve', '--port', '0', '--data', dataDir, ...(o.args ?? [])], {
    env: { ...process.env, EMBOLUS_RATE_LIMIT_PER_MINUTE: '0', EMBOLUS_LOG_LEVEL: 'warn', ...o.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      if (o.echoStderr) process.stderr.write(d);
      err += d.toString();
      const m = /listening on http:\/\/[^:\s]+:(\d+)/.exec(err);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error(`server exited: ${err}`)));
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  return { child, base: `http://127.0.0.1:${port}`, port, stop };
}

export { analysedStudyRows, seedBenchTenant } from './seed';
export { type BenchHttp, type BenchResponse, benchHttp, procStatusKb, type RssWatch, watchRss } from './proc';
export {
  BENCH_RESULTS,
  loadAverages,
  machineAtEnd,
  machineLine,
  median,
  percentile,
  round,
  upperMedian,
  writeBenchResult,
} from './stats';
