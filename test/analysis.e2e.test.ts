/**
 * End to end on one machine: the API on Node, a runner process, a phantom study uploaded over
 * HTTP. The stored result equals `embolus analyze` on the same files with the same model (all
 * but timings and the artifact names); artifacts, the health endpoint and the logs are checked,
 * and a study too short to analyse fails once with a reason instead of looping.
 */
import path from 'node:path';
import { writeDataset } from '@embolus/phantom';
import { AnalysisResultSchema, type AnalysisResult } from '@embolus/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_MODEL,
  dicomFiles,
  embolus,
  startApi,
  startRunner,
  stopRunner,
  tempDir,
  uploadStudy,
  waitFor,
  type Api,
  type RunnerProcess,
} from '@embolus/local-stack';

const tmp = tempDir('e2e-analysis');
let api: Api;
let runner: RunnerProcess;
let clinician: string;
let studyDir: string;

beforeAll(async () => {
  const ds = await writeDataset({ out: path.join(tmp.dir, 'phantoms'), studies: 1, seed: 11, positiveRate: 1, study: { preset: 'demo' } });
  // Phantoms are anonymized as written: the API takes these files, and `embolus analyze` reads the same.
  studyDir = path.join(ds.out, ds.studies[0]!.studyInstanceUid);
  api = await startApi(path.join(tmp.dir, 'api'));
  clinician = await api.key('clinician');
  runner = startRunner(api, await api.key('runner'), path.join(tmp.dir, 'runner'), ['--health-port', '0', '--lease-seconds', '30']);
  await runner.waitForLog((l) => l.event === 'runner.started');
});

afterAll(async () => {
  if (runner) await stopRunner(runner, 'SIGKILL');
  await api?.close();
  tmp.cleanup();
});

/** The result without what legitimately differs between two runs: timings and artifact names. */
function comparable(r: AnalysisResult) {
  const { timings: _t, artifacts: _a, ...rest } = r;
  return rest;
}

describe('analysis through the API and a runner', () => {
  it('stores the result `embolus analyze` gives on the same files, with artifacts and stage timings', async () => {
    const { studyId, jobId, instances } = await uploadStudy(api, clinician, studyDir);
    const reference = AnalysisResultSchema.parse(JSON.parse(await embolus(['analyze', studyDir, '--json', '--model', DEMO_MODEL])));
    const detail = await waitFor(async () => {
      const d = (await (await api.call('GET', `/v1/studies/${studyId}`, clinician)).json()) as {
        status: string;
        result: AnalysisResult | null;
      };
      return d.status === 'complete' || d.status === 'failed' ? d : undefined;
    });
    expect(detail.status).toBe('complete');
    const result = AnalysisResultSchema.parse(detail.result);
    expect(comparable(result)).toEqual(comparable(reference));
    for (const k of [
      'fetchInstances',
      'modelLoad',
      'loadSeries',
      'preprocessTotal',
      'phase1',
      'phase2',
      'postprocess',
      'uploadArtifacts',
      'runnerTotal',
    ])
      expect(result.timings[k], k).toBeTypeOf('number');
    expect(result.artifacts).toEqual({ attention: 'attention.json', cam: 'cam.npy' });

    const cam = new Uint8Array(await (await api.call('GET', `/v1/studies/${studyId}/artifacts/cam.npy`, clinician)).arrayBuffer());
    expect(new TextDecoder().decode(cam.subarray(1, 6))).toBe('NUMPY');
    expect(new TextDecoder().decode(cam.subarray(0, 128))).toContain(`'shape': (${result.windows.length * 10}, 192, 192)`);
    const attention = (await (await api.call('GET', `/v1/studies/${studyId}/artifacts/attention.json`, clinician)).json()) as {
      attention: AnalysisResult['attention'];
    };
    expect(attention.attention).toEqual(result.attention);

    const completed = await runner.waitForLog((l) => l.event === 'job.completed' && l.jobId === jobId);
    expect(completed).toMatchObject({ kind: 'analysis', status: 'stored' });
    const analysed = runner.logs.find((l) => l.event === 'job.analysed')!;
    expect(analysed.instances).toBe(instances);

    // No DICOM UID (study, series or any instance) appears in any log line.
    const uids = [path.basename(studyDir), result.seriesInstanceUid!, ...dicomFiles(studyDir).map((f) => path.basename(f, '.dcm'))];
    const logText = runner.logs.map((l) => JSON.stringify(l)).join('\n') + runner.stderr.join('');
    for (const u of uids) expect(logText.includes(u), 'a UID in the runner log').toBe(false);
  });

  it('serves health: state, counters, queue, models and GPU state', async () => {
    const port = runner.logs.find((l) => l.event === 'runner.started')!.port as number;
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(res.status).toBe(200);
    const h = (await res.json()) as Record<string, any>;
    expect(h.status).toBe('idle');
    expect(h.jobs).toMatchObject({ active: [], completed: 1, failed: 0 });
    expect(h.queue).toContainEqual({ kind: 'analysis', status: 'done', count: 1 });
    expect(h.models.loaded).toEqual([{ version: expect.any(String), executionProvider: 'cpu' }]);
    expect(h.gpu).toMatchObject({ cudaProviderInstalled: expect.any(Boolean), devices: expect.any(Array) });
    expect(h.api.consecutiveFailures).toBe(0);
  });

  it('fails a study with too few slices once, with the reason, and never retries it', async () => {
    const few = tempDir('few');
    try {
      const { mkdirSync, copyFileSync } = await import('node:fs');
      mkdirSync(path.join(few.dir, 's'), { recursive: true });
      for (const f of dicomFiles(studyDir).slice(0, 4)) copyFileSync(f, path.join(few.dir, 's', path.basename(f)));
      // A fresh study with another StudyInstanceUID is not needed: the API keys studies by its own id.
      const { studyId, jobId } = await uploadStudy(api, clinician, path.join(few.dir, 's'));
      const detail = await waitFor(async () => {
        const d = (await (await api.call('GET', `/v1/studies/${studyId}`, clinician)).json()) as {
          status: string;
          failure: { code: string; message: string } | null;
        };
        return d.status === 'failed' ? d : undefined;
      });
      expect(detail.failure).toMatchObject({ code: 'TOO_FEW_SLICES' });
      expect(detail.failure!.message).toMatch(/4 slices/);
      const admin = await api.key('admin');
      const job = (await (await api.call('GET', `/v1/jobs/${jobId}`, admin)).json()) as {
        job: { status: string; attempts: number; lastError: { code: string } };
      };
      expect(job.job).toMatchObject({ status: 'failed', attempts: 1, lastError: { code: 'TOO_FEW_SLICES' } });
      const failed = await runner.waitForLog((l) => l.event === 'job.failed' && l.jobId === jobId);
      expect(failed).toMatchObject({ code: 'TOO_FEW_SLICES', retryable: false });
    } finally {
      few.cleanup();
    }
  });

  it('drains on SIGTERM and exits 0', async () => {
    expect(await stopRunner(runner, 'SIGTERM')).toBe(0);
    expect(runner.logs.map((l) => l.event)).toEqual(expect.arrayContaining(['runner.draining', 'runner.stopped']));
  });
});
