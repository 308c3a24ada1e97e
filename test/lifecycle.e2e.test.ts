/**
 * The runner's life around the jobs: it backs off (exponentially, with jitter) while the API is
 * down and recovers when it returns, and SIGTERM during a job past the grace period releases the
 * lease without spending an attempt, so the job is queued again at once.
 */
import { createServer } from 'node:net';
import path from 'node:path';
import { writeDataset } from '@embolus/phantom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, startRunner, stopRunner, tempDir, uploadStudy, waitFor, type RunnerProcess } from '@embolus/local-stack';

const tmp = tempDir('e2e-lifecycle');
const runners: RunnerProcess[] = [];
let studyDir: string;

beforeAll(async () => {
  const ds = await writeDataset({ out: path.join(tmp.dir, 'phantoms'), studies: 1, seed: 13, study: { preset: 'demo' } });
  studyDir = path.join(ds.out, ds.studies[0]!.studyInstanceUid);
});

afterAll(async () => {
  for (const r of runners) await stopRunner(r, 'SIGKILL');
  tmp.cleanup();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('runner lifecycle', () => {
  it('backs off while the API is down and goes back to work when it returns', async () => {
    const port = await freePort();
    const dataDir = path.join(tmp.dir, 'api-down');
    let api = await startApi(dataDir, {}, port);
    const key = await api.key('runner');
    await api.close();
    const r = startRunner(api, key, path.join(tmp.dir, 'down'), ['--health-port', '0']);
    runners.push(r);
    const started = await r.waitForLog((l) => l.event === 'runner.started');
    await r.waitForLog((l) => l.event === 'api.unreachable' && l.failures === 1);
    const health = async () =>
      (await (await fetch(`http://127.0.0.1:${started.port}/healthz`)).json()) as {
        status: string;
        api: { consecutiveFailures: number; nextRetryAt: string | null };
      };
    const down = await waitFor(async () => {
      const h = await health();
      return h.api.consecutiveFailures >= 3 ? h : undefined;
    }, 30_000);
    expect(down.status).toBe('backoff');
    expect(down.api.nextRetryAt).not.toBeNull();
    expect((await fetch(`http://127.0.0.1:${started.port}/healthz`)).status).toBe(503);

    api = await startApi(dataDir, {}, port);
    try {
      const up = await waitFor(async () => {
        const h = await health();
        return h.api.consecutiveFailures === 0 ? h : undefined;
      }, 40_000);
      expect(up.status).toBe('idle');
      // One warning when the API went away, not one per retry.
      expect(r.logs.filter((l) => l.event === 'api.unreachable')).toHaveLength(1);
      expect(await stopRunner(r)).toBe(0);
    } finally {
      await api.close();
    }
  });

  it('releases a running job on SIGTERM after the grace period, without spending the attempt', async () => {
    const api = await startApi(path.join(tmp.dir, 'api-term'));
    try {
      const r = startRunner(api, await api.key('runner'), path.join(tmp.dir, 'term'), ['--grace-seconds', '0']);
      runners.push(r);
      const { studyId, jobId } = await uploadStudy(api, await api.key('clinician'), studyDir);
      await r.waitForLog((l) => l.event === 'job.stage' && l.jobId === jobId && l.stage === 'preprocess');
      expect(await stopRunner(r, 'SIGTERM')).toBe(0);
      expect(r.logs.find((l) => l.event === 'job.released')).toMatchObject({ jobId });
      const store = api.server.runtime.deps.store;
      const tenant = (await store.tenants.ensure('hospital')).id;
      expect(await store.jobs.get(tenant, jobId)).toMatchObject({ status: 'queued', attempts: 0, leaseToken: null });
      expect((await store.studies.get(tenant, studyId))?.status).toBe('queued');
      expect(await store.results.forJob(tenant, jobId)).toBeNull();
    } finally {
      await api.close();
    }
  });

  it('stops with exit code 2 when its key is refused (it could never work)', async () => {
    const api = await startApi(path.join(tmp.dir, 'api-key'));
    try {
      const r = startRunner(api, 'emb_not-a-real-key', path.join(tmp.dir, 'badkey'));
      runners.push(r);
      expect(await r.exited).toBe(2);
      expect(r.logs.map((l) => l.event)).toEqual(expect.arrayContaining(['runner.unauthorized', 'runner.stopped']));
    } finally {
      await api.close();
    }
  });
});
