/**
 * Benchmarks of the edge API on Node (loopback only; the server runs in its own process so the
 * load generator does not share its event loop):
 *  1. upload a 256-slice study (512² 16-bit slices, ~130 MB) instance by instance with 8
 *     concurrent clients: MB/s and p50/p95 per instance (target ≥ 80 MB/s);
 *  2. 100 concurrent clients reading the worklist of a tenant with 10,000 studies: p95
 *     (target ≤ 50 ms).
 * Both run against `embolus-api serve` with one process, then with two (`--workers 2`).
 * Prints the median of several runs and writes bench/results/api.json.
 *
 * Run: npx tsx bench/api.bench.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { studies } from '@embolus/db';
import { analysedStudyRows, benchHttp, seedBenchTenant, spawnApi } from '@embolus/local-stack';
import { machineAtEnd, machineLine, percentile, round, upperMedian as median, writeBenchResult } from '@embolus/local-stack/stats';
import { ctSlice, uid } from '@embolus/testkit';

const RUNS = 3;
const SLICES = 256;
const UPLOAD_CLIENTS = 8;
const WORKLIST_STUDIES = 10_000;
const READ_CLIENTS = 100;
const READS_PER_CLIENT = 20;

/** Creates the tenant's keys and 10,000 analysed studies straight in SQLite, before the server starts. */
async function seed(dataDir: string): Promise<{ clinician: string }> {
  const { sqlite: h, tenant, key, close } = await seedBenchTenant(dataDir);
  const db = h.driver.db;
  const rows = analysedStudyRows(tenant.id, WORKLIST_STUDIES, { buckets: 10_000, urgentEvery: 37, id: () => crypto.randomUUID() });
  h.sqlite.transaction(() => {
    for (let i = 0; i < rows.length; i += 500)
      db.insert(studies)
        .values(rows.slice(i, i + 500))
        .run();
  })();
  close();
  return { clinician: key };
}

// A lean keep-alive client (undici's fetch would make the load generator measure itself); a
// reused socket reset by the peer is retried once, counted and reported.
const client = benchHttp({ maxSockets: 256, retryReset: true });
const { send } = client;

/** Uploads one 256-slice study with 8 clients; returns MB/s and per-instance latencies. */
async function uploadRun(
  base: string,
  key: string,
  slices: { sop: string; bytes: Uint8Array }[],
): Promise<{ mbPerS: number; latencies: number[]; seconds: number }> {
  const auth = { authorization: `Bearer ${key}` };
  const { id } = JSON.parse((await send(base, 'POST', '/v1/studies', auth)).body.toString()) as { id: string };
  let next = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: UPLOAD_CLIENTS }, async () => {
      for (let i = next++; i < slices.length; i = next++) {
        const s = slices[i] as { sop: string; bytes: Uint8Array };
        const start = performance.now();
        const res = await send(
          base,
          'PUT',
          `/v1/studies/${id}/instances/${s.sop}`,
          { ...auth, 'content-type': 'application/dicom' },
          s.bytes,
        );
        if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${res.body.toString()}`);
        latencies.push(performance.now() - start);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const bytes = slices.reduce((n, s) => n + s.bytes.length, 0);
  return { mbPerS: bytes / 1e6 / seconds, latencies, seconds };
}

/** 100 clients each reading the worklist first page 20 times. */
async function worklistRun(base: string, key: string): Promise<{ latencies: number[]; seconds: number }> {
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: READ_CLIENTS }, async () => {
      for (let i = 0; i < READS_PER_CLIENT; i++) {
        const start = performance.now();
        const res = await send(base, 'GET', '/v1/studies?limit=50', { authorization: `Bearer ${key}` });
        const body = JSON.parse(res.body.toString()) as { items: unknown[] };
        if (res.status !== 200 || body.items.length !== 50) throw new Error(`worklist answered ${res.status}`);
        latencies.push(performance.now() - start);
      }
    }),
  );
  return { latencies, seconds: (performance.now() - t0) / 1000 };
}

/** Medians over RUNS of both benchmarks against a server with `workers` processes. */
async function measure(dataDir: string, clinician: string, workers: number, makeStudy: () => { sop: string; bytes: Uint8Array }[]) {
  const { base, stop } = await spawnApi(dataDir, {
    args: ['--workers', String(workers)],
    env: { EMBOLUS_LOG_LEVEL: 'info' },
    echoStderr: Boolean(process.env['EMBOLUS_BENCH_VERBOSE']),
  });
  try {
    console.log(`server: ${workers} process(es) on ${base}`);
    // Warm-up: JIT, connections, SQLite pages.
    await uploadRun(base, clinician, makeStudy().slice(0, 32));
    await worklistRun(base, clinician);
    const uploads = [];
    for (let r = 0; r < RUNS; r++) {
      const u = await uploadRun(base, clinician, makeStudy());
      uploads.push({ mbPerS: u.mbPerS, p50: percentile(u.latencies, 50), p95: percentile(u.latencies, 95) });
      const up = uploads.at(-1) as { mbPerS: number; p50: number; p95: number };
      console.log(`  upload run ${r + 1}: ${round(up.mbPerS)} MB/s, p50 ${round(up.p50)} ms, p95 ${round(up.p95)} ms`);
    }
    const reads = [];
    for (let r = 0; r < RUNS; r++) {
      const w = await worklistRun(base, clinician);
      reads.push({ p50: percentile(w.latencies, 50), p95: percentile(w.latencies, 95), rps: w.latencies.length / w.seconds });
      const rd = reads.at(-1) as { p50: number; p95: number; rps: number };
      console.log(`  worklist run ${r + 1}: p50 ${round(rd.p50)} ms, p95 ${round(rd.p95)} ms, ${round(rd.rps, 0)} req/s`);
    }
    return {
      processes: workers,
      upload: {
        medianMbPerS: round(median(uploads.map((u) => u.mbPerS))),
        medianP50Ms: round(median(uploads.map((u) => u.p50))),
        medianP95Ms: round(median(uploads.map((u) => u.p95))),
        runs: uploads.map((u) => ({ mbPerS: round(u.mbPerS), p50Ms: round(u.p50), p95Ms: round(u.p95) })),
      },
      worklist: {
        medianP50Ms: round(median(reads.map((r) => r.p50))),
        medianP95Ms: round(median(reads.map((r) => r.p95))),
        medianRequestsPerS: round(median(reads.map((r) => r.rps)), 0),
        runs: reads.map((r) => ({ p50Ms: round(r.p50), p95Ms: round(r.p95), rps: round(r.rps, 0) })),
      },
    };
  } finally {
    await stop();
  }
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'embolus-bench-'));
try {
  const { clinician } = await seed(dataDir);
  console.log(machineLine());
  // A fresh study (new UIDs) per run, so every PUT stores rather than answering an idempotent 200.
  const makeStudy = () => {
    const study = uid();
    const series = uid();
    return Array.from({ length: SLICES }, (_, index) => {
      const sop = uid();
      return { sop, bytes: ctSlice({ study, series, sop, index, size: 512 }) };
    });
  };
  const totalMb = makeStudy().reduce((n, s) => n + s.bytes.length, 0) / 1e6;
  console.log(
    `study: ${SLICES} slices of 512×512×16 bit, ${round(totalMb)} MB, ${UPLOAD_CLIENTS} upload clients; ` +
      `worklist: ${WORKLIST_STUDIES} studies, ${READ_CLIENTS} clients`,
  );
  const single = await measure(dataDir, clinician, 1, makeStudy);
  const two = await measure(dataDir, clinician, 2, makeStudy);
  const result = {
    machine: machineAtEnd(),
    reusedSocketRetries: client.retries(),
    setup: {
      slices: SLICES,
      megabytes: round(totalMb),
      uploadClients: UPLOAD_CLIENTS,
      worklistStudies: WORKLIST_STUDIES,
      readClients: READ_CLIENTS,
      readsPerRun: READ_CLIENTS * READS_PER_CLIENT,
      runs: RUNS,
    },
    targets: { uploadMbPerS: 80, worklistP95Ms: 50 },
    singleProcess: single,
    twoProcesses: two,
  };
  for (const r of [single, two]) {
    console.log(
      `${r.processes} process(es): upload median ${r.upload.medianMbPerS} MB/s (target ≥ 80), ` +
        `p50 ${r.upload.medianP50Ms} ms, p95 ${r.upload.medianP95Ms} ms per instance; ` +
        `worklist median p50 ${r.worklist.medianP50Ms} ms, p95 ${r.worklist.medianP95Ms} ms (target ≤ 50), ` +
        `${r.worklist.medianRequestsPerS} req/s`,
    );
  }
  writeBenchResult('api', result);
} finally {
  client.destroy();
  rmSync(dataDir, { recursive: true, force: true });
}
