/**
 * In-browser de-identification plus upload, end to end, in headless Debian chromium over
 * loopback: a 256-slice 512² phantom study (about 134 MB, every file carrying made-up identifying
 * values) scanned and de-identified in Web Workers (@embolus/deid), PUT to the real API (createApp
 * over an on-disk SQLite file and a blob folder, @hono/node-server on 127.0.0.1), then submitted.
 *
 * Chromium runs without a DevTools client (spawned with the harness URL): Playwright's network
 * tracing copies every request body to the driver and made PUTs about 6× slower here (33 vs 5 ms
 * per 0.5 MB), which would measure the test tool. The page fetches the files into File objects
 * first (untimed; a file input hands over Files too), then times from the scan's start to the
 * submit's answer and posts the timing back. Several runs, each in a fresh browser profile and a
 * new study; prints medians and writes bench/results/deid.json. Goal: ≥ 30 MB/s.
 *
 * Run: npm run bench:deid   (EMBOLUS_BENCH_RUNS, EMBOLUS_BENCH_SLICES, EMBOLUS_BENCH_CONCURRENCY,
 * EMBOLUS_BENCH_WORKERS change the defaults 3, 256, 4, 2; EMBOLUS_CHROMIUM the browser)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { generateStudy } from '@embolus/phantom';
import { buildHarness } from '../packages/deid/harness/build';
import { startApi } from '@embolus/local-stack/upload-api';
import { makeIdentifying } from '@embolus/local-stack/identified-files';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '@embolus/local-stack/dashboard';
import { round, upperMedian as median, writeBenchResult } from '@embolus/local-stack/stats';

const RUNS = Number(process.env['EMBOLUS_BENCH_RUNS'] ?? 3);
const SLICES = Number(process.env['EMBOLUS_BENCH_SLICES'] ?? 256);
const CONCURRENCY = Number(process.env['EMBOLUS_BENCH_CONCURRENCY'] ?? 4);
const WORKERS = Number(process.env['EMBOLUS_BENCH_WORKERS'] ?? 2);
// Spawned directly (not through playwright): the page posts its result back to the API.
const ARGS = [...CHROMIUM_ARGS, '--disable-component-update', '--disable-sync'];

/** What the page posts back. */
interface BenchSummary {
  phase: string;
  error: string | null;
  timing: Timing;
  studies: { state: string; stored: number }[];
}

interface Timing {
  scanMs: number;
  uploadMs: number;
  totalMs: number;
  bytes: number;
  /** Summed wall time of de-identification calls (concurrent calls overlap). */
  deidMs: number;
}

const dir = mkdtempSync(path.join(tmpdir(), 'embolus-bench-deid-'));
try {
  const t0 = performance.now();
  const study = generateStudy({ seed: 2026, kind: 'negative', matrix: 512, slices: SLICES });
  const paths = study.files.map((f, i) => {
    const p = path.join(dir, `IM${String(i).padStart(5, '0')}.dcm`);
    // Identifying values on every file, so the work measured is the real one.
    writeFileSync(p, makeIdentifying(f.bytes));
    return p;
  });
  console.log(`phantom: ${SLICES} slices of 512², written in ${round((performance.now() - t0) / 1000)} s`);
  const names = paths.map((p) => path.basename(p));
  let report: (summary: BenchSummary) => void = () => {};
  const api = await startApi({
    statics: await buildHarness(),
    record: false,
    async routes(req) {
      const url = new URL(req.url);
      if (url.pathname === '/bench/files') return Response.json(names);
      if (url.pathname.startsWith('/bench/files/')) {
        const name = decodeURIComponent(url.pathname.slice('/bench/files/'.length));
        if (!names.includes(name)) return new Response('not found', { status: 404 });
        return new Response(readFileSync(path.join(dir, name)), { headers: { 'content-type': 'application/dicom' } });
      }
      if (url.pathname === '/bench/result' && req.method === 'POST') {
        report((await req.json()) as BenchSummary);
        return new Response(null, { status: 204 });
      }
      return null;
    },
  });
  const runs: Timing[] = [];
  try {
    for (let r = 0; r < RUNS; r++) {
      const profile = mkdtempSync(path.join(tmpdir(), 'embolus-bench-chromium-'));
      const got = new Promise<BenchSummary>((resolve) => (report = resolve));
      const url = `${api.base}/?key=${encodeURIComponent(api.key)}&auto=1&bench=1&concurrency=${CONCURRENCY}&workers=${WORKERS}`;
      const browser = spawn(CHROMIUM_PATH, [...ARGS, `--user-data-dir=${profile}`, url], { stdio: 'ignore', detached: true });
      let h: BenchSummary;
      try {
        h = await Promise.race([
          got,
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no result within 10 minutes')), 600_000)),
        ]);
      } finally {
        try {
          process.kill(-browser.pid!, 'SIGTERM');
        } catch {
          // already gone
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
        rmSync(profile, { recursive: true, force: true });
      }
      if (h.phase !== 'done' || h.studies[0]?.state !== 'submitted' || h.studies[0].stored !== SLICES) {
        throw new Error(`run ${r + 1} did not upload the study: ${h.error ?? JSON.stringify(h.studies)}`);
      }
      runs.push(h.timing);
      console.log(
        `run ${r + 1}: ${round(h.timing.bytes / 1e6)} MB in ${round(h.timing.totalMs / 1000, 2)} s ` +
          `(scan ${round(h.timing.scanMs)} ms, upload ${round(h.timing.uploadMs)} ms, ` +
          `de-identification calls ${round(h.timing.deidMs / SLICES)} ms each) ` +
          `→ ${round(h.timing.bytes / 1e6 / (h.timing.totalMs / 1000))} MB/s`,
      );
    }
  } finally {
    await api.close();
  }
  const bytes = runs[0]!.bytes;
  const result = {
    benchmark: 'deid',
    what: 'in-browser scan + de-identification + upload + submit of a phantom study, headless chromium, loopback, real API',
    slices: SLICES,
    matrix: 512,
    megabytes: round(bytes / 1e6),
    concurrency: CONCURRENCY,
    workers: WORKERS,
    runs: runs.length,
    medianTotalMs: round(median(runs.map((r) => r.totalMs))),
    medianScanMs: round(median(runs.map((r) => r.scanMs))),
    medianUploadMs: round(median(runs.map((r) => r.uploadMs))),
    medianDeidCallMs: round(median(runs.map((r) => r.deidMs / SLICES))),
    medianMBps: round(median(runs.map((r) => r.bytes / 1e6 / (r.totalMs / 1000)))),
    medianInstancesPerS: round(median(runs.map((r) => SLICES / (r.totalMs / 1000)))),
    goalMBps: 30,
    machine: { cpus: cpus().length, loadavg1: round(loadavg()[0]!, 2), node: process.version },
    at: new Date().toISOString(),
  };
  console.log(
    `median: ${result.medianMBps} MB/s end to end (goal ≥ ${result.goalMBps}), ${result.medianInstancesPerS} instances/s; ` +
      `scan ${result.medianScanMs} ms, upload ${result.medianUploadMs} ms`,
  );
  writeBenchResult('deid', result);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
