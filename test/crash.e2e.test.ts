/**
 * Crash safety: a runner is SIGKILLed in the middle of an analysis. Nothing is stored; after its
 * lease expires a second runner claims the job (attempt 2) and finishes it, and the result (with
 * its webhook delivery) is stored exactly once.
 */
import path from 'node:path';
import { writeDataset } from '@embolus/phantom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, startRunner, stopRunner, tempDir, uploadStudy, waitFor, type Api, type RunnerProcess } from '@embolus/local-stack';

const tmp = tempDir('e2e-crash');
let api: Api;
const runners: RunnerProcess[] = [];
let studyDir: string;

beforeAll(async () => {
  const ds = await writeDataset({ out: path.join(tmp.dir, 'phantoms'), studies: 1, seed: 12, study: { preset: 'demo' } });
  studyDir = path.join(ds.out, ds.studies[0]!.studyInstanceUid);
  // No DNS here: the webhook host is trusted by name, as an on-premises operator would list it.
  api = await startApi(path.join(tmp.dir, 'api'), { EMBOLUS_WEBHOOK_ALLOW_INTERNAL: 'hooks.example.com' });
});

afterAll(async () => {
  for (const r of runners) await stopRunner(r, 'SIGKILL');
  await api?.close();
  tmp.cleanup();
});

describe('a runner killed mid-job', () => {
  it('leaves the job to a second runner after the lease expires; the result is stored once', async () => {
    const clinician = await api.key('clinician');
    const runnerKey = await api.key('runner');
    const partner = await api.key('partner');
    const hook = await api.call('POST', '/v1/webhooks', partner, {
      json: { url: 'https://hooks.example.com/embolus', events: ['study.result'] },
    });
    expect(hook.status).toBe(201);
    // A short lease for A, so it expires soon after the kill. B keeps a long one: preprocessing is
    // synchronous, and on a loaded machine it can starve a 5 s lease's heartbeats.
    const a = startRunner(api, runnerKey, path.join(tmp.dir, 'a'), ['--lease-seconds', '5']);
    runners.push(a);
    const { studyId, jobId } = await uploadStudy(api, clinician, studyDir);
    await a.waitForLog((l) => l.event === 'job.stage' && l.jobId === jobId && l.stage === 'preprocess');
    a.child.kill('SIGKILL');
    await a.exited;
    const killedAt = Date.now();
    const store = api.server.runtime.deps.store;
    const tenant = (await store.tenants.ensure('hospital')).id;
    expect((await store.jobs.get(tenant, jobId))?.status).toBe('leased');
    expect(await store.results.forJob(tenant, jobId)).toBeNull();

    const b = startRunner(api, runnerKey, path.join(tmp.dir, 'b'), ['--lease-seconds', '60']);
    runners.push(b);
    const claimed = await b.waitForLog((l) => l.event === 'job.claimed' && l.jobId === jobId);
    expect(claimed.attempt).toBe(2);
    await b.waitForLog((l) => l.event === 'job.completed' && l.jobId === jobId);
    // The lease A held ran for up to 5 s after its last heartbeat: B cannot have claimed sooner.
    expect(Date.now() - killedAt).toBeGreaterThan(2_000);

    const study = await waitFor(async () => {
      const d = (await (await api.call('GET', `/v1/studies/${studyId}`, clinician)).json()) as { status: string };
      return d.status === 'complete' ? d : undefined;
    });
    expect(study.status).toBe('complete');
    const sqlite = api.server.runtime.sqlite.sqlite;
    const count = (q: string) => (sqlite.prepare(q).get(jobId) as { n: number }).n;
    expect(count('SELECT COUNT(*) AS n FROM results WHERE job_id = ?')).toBe(1);
    expect(count('SELECT COUNT(*) AS n FROM artifacts WHERE job_id = ?')).toBe(2);
    expect(
      count(
        "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE json_extract(payload, '$.resultId') = " +
          '(SELECT id FROM results WHERE job_id = ?)',
      ),
    ).toBe(1);
    expect(await store.jobs.get(tenant, jobId)).toMatchObject({ status: 'done', attempts: 2 });
    expect(await stopRunner(b)).toBe(0);
  });
});
