/**
 * End to end: one `embolus-runner` process with a platform-runner key serves two tenants'
 * phantom studies; each tenant reads its own result, the runner's health shows the queue
 * summed over tenants, and each tenant's audit log names the platform runner's reads.
 */
import path from 'node:path';
import { writeDataset } from '@embolus/phantom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, startRunner, stopRunner, tempDir, uploadStudy, waitFor, type Api, type RunnerProcess } from '@embolus/local-stack';

const tmp = tempDir('e2e-platform');
let api: Api;
let runner: RunnerProcess;
let studyDir: string;

beforeAll(async () => {
  const ds = await writeDataset({ out: path.join(tmp.dir, 'phantoms'), studies: 1, seed: 12, positiveRate: 1, study: { preset: 'demo' } });
  studyDir = path.join(ds.out, ds.studies[0]!.studyInstanceUid);
  api = await startApi(path.join(tmp.dir, 'api'));
  runner = startRunner(api, await api.key('platform-runner', '@platform'), path.join(tmp.dir, 'runner'), [
    '--health-port',
    '0',
    '--lease-seconds',
    '30',
  ]);
  await runner.waitForLog((l) => l.event === 'runner.started');
});

afterAll(async () => {
  if (runner) await stopRunner(runner, 'SIGKILL');
  await api?.close();
  tmp.cleanup();
});

describe('a platform runner process', () => {
  it('analyses the studies of two tenants, each result readable only by its tenant', async () => {
    const keys = { a: await api.key('clinician', 'hospital-a'), b: await api.key('clinician', 'hospital-b') };
    const a = await uploadStudy(api, keys.a, studyDir);
    const b = await uploadStudy(api, keys.b, studyDir);
    for (const [key, s] of [
      [keys.a, a],
      [keys.b, b],
    ] as const) {
      const d = await waitFor(async () => {
        const r = (await (await api.call('GET', `/v1/studies/${s.studyId}`, key)).json()) as { status: string };
        return r.status === 'complete' || r.status === 'failed' ? r : undefined;
      });
      expect(d.status).toBe('complete');
      await runner.waitForLog((l) => l.event === 'job.completed' && l.jobId === s.jobId);
    }
    expect((await api.call('GET', `/v1/studies/${a.studyId}`, keys.b)).status).toBe(404);
    for (const [tenant, s] of [
      ['hospital-a', a],
      ['hospital-b', b],
    ] as const) {
      const admin = await api.key('admin', tenant);
      const audit = (await (await api.call('GET', `/v1/audit?studyId=${s.studyId}&limit=500`, admin)).json()) as {
        items: { action: string; role: string }[];
      };
      expect(audit.items.filter((x) => x.role === 'platform-runner').map((x) => x.action)).toEqual(
        expect.arrayContaining(['job.claim', 'instance.list', 'instance.read', 'job.complete']),
      );
    }
    const port = runner.logs.find((l) => l.event === 'runner.started')!.port as number;
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as {
      queue: { kind: string; status: string; count: number }[];
    };
    expect(health.queue).toContainEqual({ kind: 'analysis', status: 'done', count: 2 });
  });
});
