/**
 * The runner's parts that need no API: backoff with jitter, log redaction, error classification
 * (deterministic study problems are not retried), flag parsing, the API client's retry and
 * error mapping against a local HTTP server, and the model store's refusal of unknown versions.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DicomError } from '@embolus/dicom';
import { InferenceError, loadModel } from '@embolus/inference';
import { PreprocessError } from '@embolus/preprocess';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunnerArgs } from '../src/main';
import { UsageError } from '@embolus/shared';
import { ApiClient } from '../src/runner/api';
import { backoffDelay } from '../src/runner/backoff';
import { underRoot } from '../src/runner/dataset';
import { classifyError, RunnerError } from '../src/runner/errors';
import { parseNvidiaSmi } from '../src/runner/health';
import { jsonLogger, redact } from '../src/runner/log';
import { ModelStore } from '../src/runner/models';
import { Runner } from '../src/runner/runner';

describe('backoff', () => {
  it('doubles up to the cap, with jitter in the upper half', () => {
    const p = { baseMs: 100, maxMs: 1000 };
    expect([1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, p, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, p, () => 0))).toEqual([50, 100, 200, 400, 500]);
    const draws = Array.from({ length: 200 }, () => backoffDelay(3, p));
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(200);
    expect(Math.max(...draws)).toBeLessThanOrEqual(400);
    expect(new Set(draws).size).toBeGreaterThan(20);
  });
});

describe('GPU state', () => {
  it('parses nvidia-smi CSV; a missing value becomes NaN', () => {
    expect(parseNvidiaSmi('NVIDIA H100 80GB HBM3, 1024, 81559, 37\nTesla T4, 0, 15360, [N/A]\n')).toEqual([
      { name: 'NVIDIA H100 80GB HBM3', memoryUsedMiB: 1024, memoryTotalMiB: 81559, utilizationPercent: 37 },
      { name: 'Tesla T4', memoryUsedMiB: 0, memoryTotalMiB: 15360, utilizationPercent: NaN },
    ]);
    expect(parseNvidiaSmi('')).toEqual([]);
  });
});

describe('logs', () => {
  it('keep only allow-listed fields and never free text from study data', () => {
    const lines: string[] = [];
    const log = jsonLogger('info', (l) => lines.push(l), { runnerId: 'r1' });
    log.log('debug', 'hidden');
    log.log('info', 'job.failed', {
      jobId: 'j1',
      code: 'NO_CT_SERIES',
      sopInstanceUid: '1.2.3',
      path: '/data/PATIENT',
      message: 'Doe^John',
      timings: { phase1: 12, who: 'x' },
    });
    expect(lines).toHaveLength(1);
    const o = JSON.parse(lines[0]!);
    expect(o).toMatchObject({
      level: 'info',
      event: 'job.failed',
      runnerId: 'r1',
      jobId: 'j1',
      code: 'NO_CT_SERIES',
      timings: { phase1: 12 },
    });
    expect(lines[0]).not.toMatch(/1\.2\.3|PATIENT|Doe|who/);
    expect(redact({ jobId: 'x'.repeat(500) }).jobId).toHaveLength(120);
  });
});

describe('error classification', () => {
  it('does not retry what a retry cannot fix, and keeps paths out of messages', () => {
    const noCt = classifyError(new DicomError('NO_CT_SERIES', 'no axial CT series in /tmp/x/study'));
    expect([noCt.code, noCt.retryable]).toEqual(['NO_CT_SERIES', false]);
    expect(noCt.message).not.toContain('/tmp');
    const decode = classifyError(new DicomError('DECODE_FAILED', '/tmp/x/000001.dcm: bad JPEG'));
    expect([decode.code, decode.retryable, decode.message.includes('/tmp')]).toEqual(['DECODE_FAILED', false, false]);
    expect(classifyError(new PreprocessError('INVALID_VOLUME', 'x'))).toMatchObject({ code: 'PREPROCESS_FAILED', retryable: false });
    expect(classifyError(new InferenceError('RUN_FAILED', 'CUDA out of memory'))).toMatchObject({
      code: 'INFERENCE_FAILED',
      retryable: true,
    });
    expect(classifyError(new InferenceError('MODEL_CHECKSUM', 'x'))).toMatchObject({ code: 'MODEL_UNAVAILABLE', retryable: true });
    const internal = classifyError(new TypeError('cannot read /data/Doe^John'));
    expect(internal).toMatchObject({ code: 'INTERNAL', retryable: true });
    expect(internal.message).not.toMatch(/Doe|\/data/);
    const own = new RunnerError('TOO_FEW_SLICES', 'x');
    expect(classifyError(own)).toBe(own);
  });
});

describe('flags', () => {
  it('parses flags and the key from the environment; refuses bad values', () => {
    const o = parseRunnerArgs(
      ['--api', 'http://127.0.0.1:1', '--concurrency', '2', '--model-dir', 'a', '--model-dir', 'b', '--health-port', '0'],
      { EMBOLUS_RUNNER_KEY: 'k' },
    );
    expect(o).toMatchObject({
      key: 'k',
      concurrency: 2,
      modelDirs: ['a', 'b'],
      healthPort: 0,
      kinds: ['analysis', 'training', 'evaluation'],
      leaseSeconds: 60,
    });
    expect(() => parseRunnerArgs(['--api', 'http://x'], {})).toThrow(UsageError);
    expect(() => parseRunnerArgs(['--api', 'not a url', '--key', 'k'], {})).toThrow(/URL/);
    expect(() => parseRunnerArgs(['--api', 'http://x', '--key', 'k', '--kinds', 'analysis,cooking'], {})).toThrow(/kinds/);
    expect(() => parseRunnerArgs(['--api', 'http://x', '--key', 'k', '--lease-seconds', '2'], {})).toThrow(/lease/);
  });

  it('keeps dataset paths under the data root', () => {
    expect(underRoot('/data', 'sets/a')).toBe('/data/sets/a');
    expect(() => underRoot('/data', '../etc')).toThrow(RunnerError);
    expect(() => underRoot('/data', '/etc/passwd')).toThrow(/outside/);
  });
});

describe('API client', () => {
  let server: Server;
  let url: string;
  const hits: Record<string, number> = {};
  beforeAll(async () => {
    server = createServer((req, res) => {
      const k = req.url ?? '';
      hits[k] = (hits[k] ?? 0) + 1;
      if (k === '/flaky' && hits[k]! < 3) return res.writeHead(503).end();
      if (k === '/flaky') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (k === '/outage' && hits[k]! <= 8) return res.writeHead(hits[k]! % 2 ? 503 : 502).end();
      if (k === '/outage') return res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (k === '/broken') return res.writeHead(500).end();
      if (k === '/lost')
        return res.writeHead(409, { 'content-type': 'application/json' }).end('{"error":{"code":"LEASE_LOST","message":"x","details":{}}}');
      if (k === '/denied') return res.writeHead(401).end();
      if (k === '/v1/runner/jobs/claim') return res.writeHead(204).end();
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"code":"NOT_FOUND","message":"x","details":{}}}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server.close());

  it('retries transient failures and maps the others to typed errors', async () => {
    const c = new ApiClient(url, 'key', { baseMs: 5, maxMs: 20 });
    expect(await c.json({ method: 'GET', path: '/flaky' })).toEqual({ ok: true });
    expect(hits['/flaky']).toBe(3);
    await expect(c.request({ method: 'GET', path: '/lost' })).rejects.toMatchObject({ code: 'LEASE_LOST' });
    await expect(c.request({ method: 'GET', path: '/denied' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(c.request({ method: 'GET', path: '/nope' })).rejects.toMatchObject({
      code: 'API_ERROR',
      retryable: false,
      details: { apiCode: 'NOT_FOUND' },
    });
    expect(await c.claim(['analysis'], 30)).toBeNull();
    const down = new ApiClient('http://127.0.0.1:1', 'key', { baseMs: 1, maxMs: 2 });
    await expect(down.request({ method: 'GET', path: '/x', retries: 2 })).rejects.toMatchObject({
      code: 'API_UNAVAILABLE',
      retryable: true,
    });
  });

  it('scoped to a job, waits out an unreachable API until the lease ends, but not a 500', async () => {
    const c = new ApiClient(url, 'key', { baseMs: 5, maxMs: 20 });
    // Eight 502/503 answers: more than `retries`, fewer than the deadline allows.
    await expect(c.request({ method: 'GET', path: '/outage', retries: 2 })).rejects.toMatchObject({
      code: 'API_UNAVAILABLE',
      retryable: true,
    });
    hits['/outage'] = 0;
    const job = c.forJob({ deadline: () => Date.now() + 10_000 });
    expect(await job.json({ method: 'GET', path: '/outage', retries: 2 })).toEqual({ ok: true });
    expect(hits['/outage']).toBe(9);
    // A 500 is the API answering badly: the bounded count, then API_ERROR (a counted failure).
    await expect(job.request({ method: 'GET', path: '/broken', retries: 2 })).rejects.toMatchObject({
      code: 'API_ERROR',
      retryable: true,
      details: { status: 500 },
    });
    expect(hits['/broken']).toBe(3);
    // Nothing listens: retried until the deadline, then API_UNAVAILABLE.
    const down = new ApiClient('http://127.0.0.1:1', 'key', { baseMs: 5, maxMs: 20 });
    const t0 = Date.now();
    await expect(down.forJob({ deadline: () => t0 + 1000 }).request({ method: 'GET', path: '/x', retries: 0 })).rejects.toMatchObject({
      code: 'API_UNAVAILABLE',
    });
    // The last try falls just before the deadline (within 200 ms of it), not after.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
    expect(Date.now() - t0).toBeLessThan(1100);
    // A call never waits longer than maxWaitMs, even while the lease holds.
    const t1 = Date.now();
    await expect(
      down.forJob({ deadline: () => t1 + 60_000, maxWaitMs: 600 }).request({ method: 'GET', path: '/x', retries: 0 }),
    ).rejects.toMatchObject({ code: 'API_UNAVAILABLE' });
    expect(Date.now() - t1).toBeLessThan(700);
    // A cancelled job stops waiting and throws the reason it was cancelled with.
    const ac = new AbortController();
    setTimeout(() => ac.abort(new RunnerError('LEASE_LOST', 'x')), 50);
    await expect(
      down.forJob({ deadline: () => Date.now() + 60_000, signal: ac.signal }).request({ method: 'GET', path: '/x' }),
    ).rejects.toMatchObject({ code: 'LEASE_LOST' });
  });

  it('refuses a model version that is neither local nor downloadable', async () => {
    const store = new ModelStore([], '/nonexistent-cache');
    await store.init();
    const job = { id: 'j1', lease: 't' };
    expect(() => store.get(null, new ApiClient(url, 'k'), job)).toThrow(/no model version/);
    await expect(
      store.get('v9', new ApiClient(url, 'k'), job, { version: 'v9', sha256: 'a'.repeat(64), downloadable: false }),
    ).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE', retryable: true });
  });

  it('downloads through the held job and never serves one tenant’s version to another under the same name', {
    timeout: 60_000,
  }, async () => {
    // A platform runner serves tenants whose registries may both hold a "v1": the cache is by
    // version and registered sha256, so B's "v1" is not A's loaded session.
    const demo = path.resolve(import.meta.dirname, '../../../models/demo');
    const ref = await loadModel(demo);
    const sha = ref.sha256;
    await ref.release();
    const seen: { url: string; lease: string | undefined }[] = [];
    const files = createServer((req, res) => {
      seen.push({ url: req.url ?? '', lease: req.headers['embolus-lease-token'] as string | undefined });
      const name = /\/files\/([a-z0-9.]+)\?/.exec(req.url ?? '')?.[1] ?? '';
      readFile(path.join(demo, name)).then(
        (b) => res.writeHead(200).end(b),
        () => res.writeHead(404).end(),
      );
    });
    await new Promise<void>((r) => files.listen(0, '127.0.0.1', r));
    const cache = await mkdtemp(path.join(tmpdir(), 'embolus-models-'));
    const store = new ModelStore([], cache);
    try {
      await store.init();
      const api = new ApiClient(`http://127.0.0.1:${(files.address() as { port: number }).port}`, 'k');
      const a = await store.get('v1', api, { id: 'job-a', lease: 'lease-a' }, { version: 'v1', sha256: sha, downloadable: true });
      expect(a.sha256).toBe(sha);
      const other = { version: 'v1', sha256: 'b'.repeat(64), downloadable: true };
      await expect(store.get('v1', api, { id: 'job-b', lease: 'lease-b' }, other)).rejects.toMatchObject({ code: 'MODEL_UNAVAILABLE' });
      expect(seen.map((s) => `${s.url} ${s.lease}`)).toEqual([
        ...['manifest.json', 'phase1.onnx', 'phase2.onnx'].map((f) => `/v1/runner/models/v1/files/${f}?job=job-a lease-a`),
        ...['manifest.json', 'phase1.onnx', 'phase2.onnx'].map((f) => `/v1/runner/models/v1/files/${f}?job=job-b lease-b`),
      ]);
    } finally {
      await store.close();
      files.close();
      await rm(cache, { recursive: true, force: true });
    }
  });
});

describe('a job whose API stays unreachable for its whole lease', () => {
  it('is released (its attempt not spent), not failed', async () => {
    // A fake API: one analysis job to claim; heartbeats and the instance list answer 503
    // (a storage outage), so the lease is never extended and the job's wait ends with it.
    const calls: string[] = [];
    const api = createServer((req, res) => {
      const route = `${req.method} ${(req.url ?? '').replace(/\/jobs\/j1\//, '/jobs/:id/')}`;
      calls.push(route);
      req.resume();
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (route === 'POST /v1/runner/jobs/claim') {
        if (calls.filter((c) => c === route).length > 1) return res.writeHead(204).end();
        return json(200, {
          job: { id: 'j1', kind: 'analysis', studyId: 's1', payload: {}, attempts: 1, maxAttempts: 3 },
          leaseToken: 't',
          leaseExpiresAt: new Date(Date.now() + 8000).toISOString(),
        });
      }
      if (route === 'POST /v1/runner/jobs/:id/release' || route === 'POST /v1/runner/jobs/:id/fail') return json(200, {});
      return json(503, { error: { code: 'STORAGE_UNAVAILABLE', message: 'storage failed', details: {} } });
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const work = await mkdtemp(path.join(tmpdir(), 'embolus-runner-release-'));
    const runner = new Runner({
      api: `http://127.0.0.1:${(api.address() as { port: number }).port}`,
      key: 'k',
      concurrency: 1,
      kinds: ['analysis'],
      leaseSeconds: 8,
      pollMs: 50,
      graceMs: 0,
      modelDirs: [],
      workDir: work,
      dataRoot: work,
      minSlices: 10,
      cam: false,
      logger: jsonLogger('error', () => undefined),
    });
    try {
      await runner.start();
      const end = Date.now() + 20_000;
      while (runner.counters.released + runner.counters.failed === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      expect(runner.counters).toMatchObject({ claimed: 1, released: 1, failed: 0 });
      expect(calls).toContain('POST /v1/runner/jobs/:id/release');
      expect(calls).not.toContain('POST /v1/runner/jobs/:id/fail');
      // The instance list was retried past its count (4) until the lease ran out.
      expect(calls.filter((c) => c === 'GET /v1/runner/jobs/:id/instances').length).toBeGreaterThan(5);
    } finally {
      await runner.stop(0);
      api.close();
      await rm(work, { recursive: true, force: true });
    }
  }, 30_000);
});
