/**
 * The analysis job holds the study in memory: each instance is fetched once and never written to
 * disk (the job runs with a work folder it could not write under), the result equals the folder
 * path's (`analyzeFolder` on the same files), and a study over the memory bound fails
 * STUDY_TOO_LARGE before its bytes are fetched or its volume allocated.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_MODEL_DIR, analyzeFolder, loadModel, type LoadedModel } from '@embolus/inference';
import { writeDataset } from '@embolus/phantom';
import type { AnalysisResult } from '@embolus/shared';
import { runAnalysis } from '../src/runner/analysis';
import type { ApiClient } from '../src/runner/api';
import { classifyError } from '../src/runner/errors';
import type { JobContext } from '../src/runner/lease';
import { jsonLogger } from '../src/runner/log';
import { ModelStore } from '../src/runner/models';

let root: string;
let studyDir: string;
let files: Uint8Array[];
let models: ModelStore;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'embolus-analysis-memory-'));
  const ds = await writeDataset({
    out: path.join(root, 'phantom'),
    studies: 1,
    seed: 11,
    positiveRate: 1,
    indeterminateRate: 0,
    study: { preset: 'demo', matrix: 128 },
  });
  studyDir = path.join(root, 'phantom', ds.studies[0]!.studyInstanceUid);
  const names = (await readdir(studyDir, { recursive: true })).filter((f) => f.endsWith('.dcm')).sort();
  files = await Promise.all(names.map(async (f) => new Uint8Array(await readFile(path.join(studyDir, f)))));
  models = new ModelStore([DEMO_MODEL_DIR], path.join(root, 'models'), { executionProvider: 'cpu' });
  await models.init();
}, 120_000);

afterAll(async () => {
  await models?.close();
  await rm(root, { recursive: true, force: true });
});

/** A job context over an in-process fake API that serves `files` and counts each download. */
function job(): { ctx: JobContext; fetched: Map<string, number> } {
  const fetched = new Map<string, number>();
  const api = {
    instances: async () => ({
      studyId: 's1',
      items: files.map((b, i) => ({
        sopInstanceUid: `u${i}`,
        seriesInstanceUid: null,
        size: b.length,
        sha256: '',
        url: `/v1/runner/jobs/j1/instances/u${i}`,
      })),
    }),
    bytes: async (url: string) => {
      fetched.set(url, (fetched.get(url) ?? 0) + 1);
      return new Uint8Array(files[Number(url.split('/u').pop())]!);
    },
    deployment: async () => ({ active: null, shadow: [], registered: [] }),
    putArtifact: async (_id: string, _lease: string, name: string, body: Uint8Array) => ({ name, size: body.length, sha256: '' }),
  } as unknown as ApiClient;
  const ctx: JobContext = {
    claim: {
      job: { id: 'j1', kind: 'analysis', studyId: 's1', payload: {}, attempts: 1, maxAttempts: 3 },
      leaseToken: 'lease',
      leaseExpiresAt: new Date(Date.now() + 60_000).toISOString(),
    },
    api,
    signal: new AbortController().signal,
    log: jsonLogger('error'),
    progress: () => {},
    check: () => {},
  };
  return { ctx, fetched };
}

const withoutTimings = (r: AnalysisResult) => ({ ...r, timings: undefined, artifacts: undefined });

describe('runAnalysis in memory', () => {
  it('fetches each instance once, writes nothing to disk, and gives the folder path’s result', { timeout: 120_000 }, async () => {
    // A regular file as the work folder: any attempt to write study data under it fails.
    const notADir = path.join(root, 'not-a-folder');
    await writeFile(notADir, '');
    const { ctx, fetched } = job();
    const options = { workDir: notADir, models, minSlices: 10, cam: false, downloads: 4, maxStudyBytes: 2 ** 30 };
    const out = await runAnalysis(ctx, options);
    expect(fetched.size).toBe(files.length);
    expect([...fetched.values()].every((n) => n === 1)).toBe(true);
    let model: LoadedModel | undefined;
    try {
      model = await loadModel(DEMO_MODEL_DIR, { executionProvider: 'cpu' });
      const ref = await analyzeFolder(model, studyDir, { cam: false });
      expect(withoutTimings(out.result)).toEqual(withoutTimings(ref.result));
    } finally {
      await model?.release();
    }
  });

  it('refuses a study over the bound before fetching it, and a series over it before decoding', { timeout: 60_000 }, async () => {
    const total = files.reduce((n, b) => n + b.length, 0);
    const small = job();
    const e1 = await runAnalysis(small.ctx, { models, minSlices: 10, cam: false, downloads: 4, maxStudyBytes: total - 1 }).catch(
      (e: unknown) => e,
    );
    expect(e1).toMatchObject({ code: 'STUDY_TOO_LARGE', details: { what: 'instances', bytes: total, limitBytes: total - 1 } });
    expect(small.fetched.size).toBe(0);
    // 16-bit instances make a float32 volume about twice their size: the instances fit, the volume does not.
    const mid = job();
    const e2 = await runAnalysis(mid.ctx, { models, minSlices: 10, cam: false, downloads: 4, maxStudyBytes: total }).catch(
      (e: unknown) => e,
    );
    expect(e2).toMatchObject({ code: 'VOLUME_TOO_LARGE' });
    expect(classifyError(e2)).toMatchObject({ code: 'STUDY_TOO_LARGE', retryable: false });
    expect(mid.fetched.size).toBe(files.length);
  });
});
