import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DEMO_MODEL_DIR } from '@embolus/inference';
import { writeDataset } from '@embolus/phantom';
import { DEFAULT_MAX_STUDY_BYTES, runAnalysis } from '../apps/gpu-runner/src/runner/analysis';
import type { ApiClient } from '../apps/gpu-runner/src/runner/api';
import type { JobContext } from '../apps/gpu-runner/src/runner/lease';
import { jsonLogger } from '../apps/gpu-runner/src/runner/log';
import { ModelStore } from '../apps/gpu-runner/src/runner/models';
import { jpegLosslessSeries } from './lib/jpeg-lossless-series';
import { median, writeBenchResult } from '@embolus/local-stack/stats';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const _ROOT = path.resolve(import.meta.dirname, '..');
type Run = typeof runAnalysis;

async function filesOf(dir: string): Promise<Uint8Array[]> {
  const names = (await readdir(dir, { recursive: true }))
    .filter((f) => !f.endsWith('.json') && !f.endsWith('.md') && !f.endsWith('.csv'))
    .sort();
  const out: Uint8Array[] = [];
  for (const n of names) {
    const p = path.join(dir, n);
    try {
      out.push(new Uint8Array(await readFile(p)));
    } catch {
      // A folder.
    }
  }
  return out;
}

/** One job over `files`; returns its stage times (ms). */
async function once(
  run: Run,
  files: Uint8Array[],
  models: ModelStore,
  workDir: string,
): Promise<{ fetch: number; series: number; total: number }> {
  const api = {
    instances: async () => ({
      studyId: 's',
      items: files.map((b, i) => ({ sopInstanceUid: `u${i}`, seriesInstanceUid: null, size: b.length, sha256: '', url: `/i/${i}` })),
    }),
    // A fresh copy each time, as a download would be.
    bytes: async (url: string) => new Uint8Array(files[Number(url.slice(3))]!),
    deployment: async () => ({ active: null, shadow: [], registered: [] }),
    putArtifact: async (_i: string, _l: string, name: string, body: Uint8Array) => ({ name, size: body.length, sha256: '' }),
  } as unknown as ApiClient;
  const marks = new Map<string, number>();
  const ctx: JobContext = {
    claim: {
      job: { id: 'bench', kind: 'analysis', studyId: 's', payload: {}, attempts: 1, maxAttempts: 1 },
      leaseToken: 'l',
      leaseExpiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    },
    api,
    signal: new AbortController().signal,
    log: jsonLogger('error'),
    progress: (stage) => void (marks.has(stage) || marks.set(stage, performance.now())),
    check: () => {},
  };
  const t0 = performance.now();
  const options = { workDir, models, minSlices: 10, cam: false, downloads: 8, maxStudyBytes: DEFAULT_MAX_STUDY_BYTES };
  const out = await run(ctx, options);
  const total = performance.now() - t0;
  return { fetch: out.result.timings?.fetchInstances ?? NaN, series: marks.get('preprocess')! - marks.get('series')!, total };
}

async function main(): Promise<void> {
  const before = process.env.BENCH_BEFORE
    ? ((await import(pathToFileURL(path.resolve(process.env.BENCH_BEFORE)).href)) as { runAnalysis: Run }).runAnalysis
    : undefined;
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'embolus-bench-runner-'));
  const models = new ModelStore([DEMO_MODEL_DIR], path.join(tmp, 'models'), { executionProvider: 'cpu' });
  await models.init();
  try {
    const ds = await writeDataset({
      out: path.join(tmp, 'phantom'),
      studies: 1,
      seed: 256,
      positiveRate: 1,
      indeterminateRate: 0,
      study: { preset: 'full', matrix: 512, slices: 256 },
    });
    const inputs: [string, Uint8Array[]][] = [
      ['256x512 native', await filesOf(path.join(tmp, 'phantom', ds.studies[0]!.studyInstanceUid))],
    ];
    try {
      inputs.push(['256x512 JPEG-lossless', await filesOf(await jpegLosslessSeries())]);
    } catch (e) {
      process.stderr.write(`skipping the JPEG-lossless series: ${e instanceof Error ? e.message : e}\n`);
    }
    const variants: [string, Run][] = before
      ? [
          ['before', before],
          ['after', runAnalysis],
        ]
      : [['current', runAnalysis]];
    const results: Record<
      string,
      Record<string, { fetchMs: number; seriesMs: number; fetchPlusSeriesMs: number; totalMs: number; runs: number }>
    > = {};
    for (const [name, files] of inputs) {
      const samples = new Map(variants.map(([v]) => [v, [] as { fetch: number; series: number; total: number }[]]));
      // One warm-up of each (model session, worker start-up, JIT), then alternating runs.
      for (const [, run] of variants) await once(run, files, models, path.join(tmp, 'work'));
      for (let r = 0; r < RUNS; r++)
        for (const [v, run] of variants) samples.get(v)!.push(await once(run, files, models, path.join(tmp, 'work')));
      results[name] = {};
      for (const [v, xs] of samples) {
        const m = {
          fetchMs: median(xs.map((x) => x.fetch)),
          seriesMs: Math.round(median(xs.map((x) => x.series))),
          fetchPlusSeriesMs: Math.round(median(xs.map((x) => x.fetch + x.series))),
          totalMs: Math.round(median(xs.map((x) => x.total))),
          runs: xs.length,
        };
        results[name][v] = m;
        console.log(
          `${name.padEnd(24)} ${v.padEnd(8)} fetch ${m.fetchMs} ms, series ${m.seriesMs} ms, ` +
            `fetch+series ${m.fetchPlusSeriesMs} ms, job ${m.totalMs} ms (median of ${m.runs})`,
        );
      }
    }
    const out = { date: new Date().toISOString(), cpus: os.cpus().length, loadavg: os.loadavg(), runs: RUNS, results };
    writeBenchResult('runner-analysis', out);
  } finally {
    await models.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

await main();
