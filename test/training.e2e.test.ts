/**
 * Training and evaluation through the API: a training job on a tiny phantom dataset (RSNA
 * layout, 'tiny' trainer config) streams epochs as progress and registers a downloadable model
 * version with validation AUROCs (DeLong CIs) and thresholds; an evaluation job runs that version
 * (downloaded by the runner) on a labelled split; once activated, analyses use it, with the
 * previous version running in shadow, and the two compare with the paired DeLong test.
 */
import path from 'node:path';
import { writeDataset } from '@embolus/phantom';
import { ALL_LABELS, AnalysisResultSchema } from '@embolus/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, startRunner, stopRunner, tempDir, uploadStudy, waitFor, type Api, type RunnerProcess } from '@embolus/local-stack';

const tmp = tempDir('e2e-training');
let api: Api;
let runner: RunnerProcess;
let admin: string;
let clinician: string;
let studies: string[];

beforeAll(async () => {
  // Seed 25 splits 8 studies 2:1:1 into 3 train, 4 validation (2 negative exams, 2 positive), 1 test.
  const ds = await writeDataset({
    out: path.join(tmp.dir, 'data', 'dataset'),
    studies: 8,
    seed: 25,
    rsnaLayout: true,
    study: { preset: 'demo' },
  });
  studies = ds.studies.slice(0, 2).map((s) => path.join(ds.out, s.studyInstanceUid));
  api = await startApi(path.join(tmp.dir, 'api'));
  admin = await api.key('admin');
  clinician = await api.key('clinician');
  runner = startRunner(api, await api.key('runner'), path.join(tmp.dir, 'runner'), ['--data-root', path.join(tmp.dir, 'data'), '--no-cam']);
});

afterAll(async () => {
  if (runner) await stopRunner(runner, 'SIGKILL');
  await api?.close();
  tmp.cleanup();
});

type JobView = {
  job: { status: string; progress: Record<string, unknown> | null; lastError: unknown };
  result: Record<string, any> | null;
};

async function finished(id: string, timeoutMs = 240_000): Promise<JobView> {
  return waitFor(
    async () => {
      const j = (await (await api.call('GET', `/v1/jobs/${id}`, admin)).json()) as JobView;
      return j.job.status === 'done' || j.job.status === 'failed' ? j : undefined;
    },
    timeoutMs,
    500,
  );
}

describe('training and evaluation jobs', () => {
  it('trains, registers, evaluates, activates and shadows a model version', async () => {
    // A first analysis with the runner's default model registers that version.
    const first = await uploadStudy(api, clinician, studies[0]!);
    const demo = await waitFor(async () => {
      const d = (await (await api.call('GET', `/v1/studies/${first.studyId}`, clinician)).json()) as {
        status: string;
        result: { model: { version: string } } | null;
      };
      return d.result ? d.result.model.version : undefined;
    });

    const bad = (await (
      await api.call('POST', '/v1/jobs', admin, { json: { kind: 'training', payload: { dataset: { path: '../../etc' } } } })
    ).json()) as { id: string };
    const refused = await finished(bad.id);
    expect(refused.job).toMatchObject({ status: 'failed', lastError: { code: 'DATASET_INVALID' } });

    const queued = await api.call('POST', '/v1/jobs', admin, {
      json: {
        kind: 'training',
        payload: { dataset: { path: 'dataset', split: '2:1:1' }, config: 'tiny', epochsPhase1: 1, epochsPhase2: 2, version: 'tiny-e2e' },
      },
    });
    expect(queued.status).toBe(201);
    const training = await finished(((await queued.json()) as { id: string }).id);
    expect(training.job.lastError).toBeNull();
    expect(training.job.status).toBe('done');
    const epochs = training.job.progress!.epochs as { phase: string; epoch: number; loss: number }[];
    expect(training.job.progress).toMatchObject({ stage: 'upload' });
    expect(runner.logs.filter((l) => l.event === 'training.epoch').length).toBeGreaterThanOrEqual(2);
    expect(training.result!.model).toMatchObject({ version: 'tiny-e2e', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const validation = training.result!.model.card.validation as {
      studies: number;
      labels: Record<string, { n: number; auroc: number | null; ci: [number, number] | null }>;
      thresholdSource: Record<string, string>;
    };
    expect(validation.studies).toBe(4);
    expect(validation.thresholdSource.negative_exam_for_pe).toBe('validation');
    expect(validation.labels.negative_exam_for_pe!.ci).not.toBeNull();
    for (const l of ALL_LABELS) {
      const m = validation.labels[l]!;
      if (m.auroc !== null) expect(m.ci![0]).toBeLessThanOrEqual(m.auroc);
      expect(['validation', 'default']).toContain(validation.thresholdSource[l]);
    }
    expect(epochs.length).toBeGreaterThan(0);

    const models = (await (await api.call('GET', '/v1/models', clinician)).json()) as {
      items: { version: string; downloadable: boolean; status: string }[];
    };
    expect(models.items.find((m) => m.version === 'tiny-e2e')).toMatchObject({ downloadable: true, status: 'registered' });
    expect(models.items.find((m) => m.version === demo)).toMatchObject({ downloadable: false });

    const ev = (await (
      await api.call('POST', '/v1/jobs', admin, {
        json: { kind: 'evaluation', payload: { dataset: { path: 'dataset', split: '2:1:1' }, split: 'val', modelVersion: 'tiny-e2e' } },
      })
    ).json()) as { id: string };
    const evaluation = await finished(ev.id);
    expect(evaluation.job.status).toBe('done');
    expect(evaluation.result).toMatchObject({ model: { version: 'tiny-e2e' }, split: 'val', studies: 4 });
    expect(evaluation.result!.labels.negative_exam_for_pe).toMatchObject({ n: 4, positives: 2, auroc: expect.any(Number) });

    expect((await api.call('POST', '/v1/models/tiny-e2e/activate', admin)).status).toBe(200);
    expect((await api.call('POST', `/v1/models/${demo}/shadow`, admin, { json: { enabled: true } })).status).toBe(200);
    const second = await uploadStudy(api, clinician, studies[1]!);
    const detail = await waitFor(async () => {
      const d = (await (await api.call('GET', `/v1/studies/${second.studyId}`, clinician)).json()) as { status: string; result: unknown };
      return d.status === 'complete' ? d : undefined;
    });
    expect(AnalysisResultSchema.parse(detail.result).model.version).toBe('tiny-e2e');
    const shadow = await api.server.runtime.deps.store.models.shadowResultsOfJob(
      (await api.server.runtime.deps.store.tenants.ensure('hospital')).id,
      second.jobId,
    );
    expect(shadow.map((s) => s.modelVersion)).toEqual([demo]);
    const quality = await api.key('quality');
    const cmp = (await (await api.call('GET', `/v1/models/compare?a=tiny-e2e&b=${encodeURIComponent(demo)}`, quality)).json()) as {
      studies: number;
      labels: { test: unknown }[];
    };
    expect(cmp.studies).toBe(1);
    expect(cmp.labels.every((l) => l.test === null)).toBe(true);
  }, 420_000); // about 2–3 min alone on 2 cores (trains a model); more when the machine is shared
});
