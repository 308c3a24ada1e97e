/**
 * API time of the quality (cohort) page over 100,000 analysed studies × 9 labels (issue 18), on
 * Node with a real SQLite file, in process through `app.request()` (no sockets: API time only).
 *
 * Seeds the cohort with @embolus/db/seed (12 months, 90 % labelled, drift of
 * negative_exam_for_pe in the last 3), then times each route the page calls:
 *   GET /v1/metrics/cohort?window=month           (AUROC + CI per label per month)
 *   GET /v1/metrics/labels/{label}?window=month   (the selected label: ROC, calibration, sens/spec, coverage, CBPE)
 *   GET /v1/thresholds                            (thresholds in force)
 *   GET /v1/alerts?state=active                   (the banner)
 * and, for the drift page, GET /v1/metrics/drift (last 30 days against the first 3 months).
 * Three states: `cold` (first read after the seed, no warm-up: the cohort is read from SQLite; `serve`
 * warms the cache at start, timed as `warmUpAtStartMs`), `afterWrite`
 * (a label was just recorded: the cache reads the changed points and the routes recompute) and
 * `warm` (same cohort version: memoized results).
 * Prints medians and writes bench/results/cohort-api.json.
 *
 * Run: npm run bench:cohort-api   (EMBOLUS_BENCH_STUDIES=n to change the cohort size)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { seedCohort } from '@embolus/db/seed';
import { createApp } from '../apps/edge-api/src/app';
import { openNodeRuntime } from '../apps/edge-api/src/node/deps';
import { CohortCache } from '../apps/edge-api/src/quality/cohort-cache';
import { round, upperMedian as median, writeBenchResult } from '@embolus/local-stack/stats';

const STUDIES = Number(process.env['EMBOLUS_BENCH_STUDIES'] ?? 100_000);
const RUNS = 7;
const DAY = 86_400_000;

const dir = mkdtempSync(path.join(tmpdir(), 'embolus-cohort-bench-'));
try {
  const rt = openNodeRuntime(dir, { env: { EMBOLUS_RATE_LIMIT_PER_MINUTE: '0', EMBOLUS_LOG_LEVEL: 'silent' } });
  const { store } = rt.deps;
  const tenant = await store.tenants.create({ name: 'bench' });
  const { key } = await store.keys.create({ tenantId: tenant.id, role: 'quality' });
  const end = Date.now() - DAY;
  let t0 = performance.now();
  const { studyIds } = await seedCohort(store.driver, {
    tenantId: tenant.id,
    studies: STUDIES,
    months: 12,
    end,
    seed: 1,
    drift: { label: 'negative_exam_for_pe', auroc: 0.7, months: 3 },
  });
  const seedMs = performance.now() - t0;
  console.log(`seeded ${STUDIES} studies × 9 labels in ${round(seedMs / 1000, 2)} s`);
  const app = createApp(rt.deps);
  const iso = (ms: number) => new Date(ms).toISOString();
  const page = {
    cohort: '/v1/metrics/cohort?window=month',
    label: '/v1/metrics/labels/negative_exam_for_pe?window=month',
    thresholds: '/v1/thresholds',
    alerts: '/v1/alerts?state=active',
  };
  const drift =
    `/v1/metrics/drift?referenceFrom=${iso(end - 365 * DAY)}&referenceTo=${iso(end - 270 * DAY)}` +
    `&currentFrom=${iso(end - 30 * DAY)}&currentTo=${iso(end + DAY)}`;
  const time = async (url: string): Promise<number> => {
    const s = performance.now();
    const res = await app.request(url, { headers: { authorization: `Bearer ${key}` } });
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    await res.arrayBuffer();
    return performance.now() - s;
  };
  const results: Record<string, Record<string, number>> = { cold: {}, afterWrite: {}, warm: {} };
  // Cold: the first page load after start; the first route pays for reading the cohort.
  for (const [name, url] of Object.entries(page)) results['cold']![name] = round(await time(url));
  const after: Record<string, number[]> = {};
  const warm: Record<string, number[]> = {};
  for (let r = 0; r < RUNS; r++) {
    // A label recorded between page loads: the cohort version moves, the first route reads again.
    await store.labels.record(tenant.id, studyIds[r] as string, { labels: { central_pe: 1 }, source: 'radiologist', recordedBy: 'bench' });
    for (const [name, url] of Object.entries(page)) (after[name] ??= []).push(await time(url));
    for (const [name, url] of Object.entries(page)) (warm[name] ??= []).push(await time(url));
  }
  for (const [name, xs] of Object.entries(after)) results['afterWrite']![name] = round(median(xs));
  for (const [name, xs] of Object.entries(warm)) results['warm']![name] = round(median(xs));
  // What `serve` does at start (CohortCache.warm): the cold read, paid before the first page.
  t0 = performance.now();
  await new CohortCache().warm(store);
  const warmUpMs = performance.now() - t0;
  const driftMs: number[] = [];
  for (let r = 0; r < 3; r++) driftMs.push(await time(drift));
  t0 = performance.now();
  const total = (s: Record<string, number>) => round(Object.values(s).reduce((a, b) => a + b, 0));
  const out = {
    studies: STUDIES,
    labels: 9,
    seedSeconds: round(seedMs / 1000, 2),
    runs: RUNS,
    routes: page,
    msPerRoute: results,
    pageApiMs: { cold: total(results['cold']!), afterWrite: total(results['afterWrite']!), warm: total(results['warm']!) },
    warmUpAtStartMs: round(warmUpMs),
    driftRouteMedianMs: round(median(driftMs)),
    note:
      'in process (app.request), SQLite file; cold = first load after start without the warm-up serve does; ' +
      'afterWrite = after a label write (the cache reads the changed points and recomputes); warm = same cohort version (memoized results)',
  };
  for (const state of ['cold', 'afterWrite', 'warm'] as const) {
    console.log(
      `${state.padEnd(10)} ${Object.entries(results[state]!)
        .map(([k, v]) => `${k} ${v} ms`)
        .join(', ')}  → page API ${out.pageApiMs[state]} ms`,
    );
  }
  console.log(`cache warm-up at start (serve): ${out.warmUpAtStartMs} ms; drift route (median of 3): ${out.driftRouteMedianMs} ms`);
  writeBenchResult('cohort-api', out);
  await rt.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
