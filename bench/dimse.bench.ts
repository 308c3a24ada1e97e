/**
 * `npm run bench:dimse`: the DICOM network path on one machine, loopback only.
 *
 *  1. C-STORE ingest: `storescu` sends a 256-slice 512² phantom (full preset, ~130 MB) to the
 *     listener, which stores every instance through the upload ingest path (parse, PHI check,
 *     SHA-256, blob write, SQLite insert). MB/s = instance bytes / storescu wall time; a fresh
 *     data folder per run; median of EMBOLUS_BENCH_RUNS (3). Goal ≥ 50 MB/s.
 *  2. Latency from the last instance received to the SR delivered to a PACS (`storescp`), with
 *     the demo model and one runner, by stage: quiet period, queue and analysis (runner stages
 *     from the result's timings), writing SR and key images, delivery.
 *
 * Prints medians and writes bench/results/dimse.json (the load average is recorded: the
 * machine may be shared).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { startDicomListener } from '@embolus/edge-api/dimse';
import { writeDataset } from '@embolus/phantom';
import type { AnalysisResult } from '@embolus/shared';
import { dcmtk, freePort } from '@embolus/testkit/dcmtk';
import { dicomFiles, startApi, startRunner, stopRunner, tempDir, waitFor } from '@embolus/local-stack';
import { round, upperMedian as median, writeBenchResult } from '@embolus/local-stack/stats';

const RUNS = Number(process.env.EMBOLUS_BENCH_RUNS ?? 3);

async function phantom(): Promise<string[]> {
  const dir = path.join(tmpdir(), 'embolus-bench-dimse-256x512');
  const ds = await writeDataset({ out: dir, studies: 1, seed: 256, positiveRate: 1, study: { preset: 'full', matrix: 512, slices: 256 } });
  return dicomFiles(path.join(ds.out, ds.studies[0]!.studyInstanceUid));
}

async function store(port: number, files: string[]): Promise<number> {
  const t0 = performance.now();
  // storescu's default maximum PDU (16 KB) is what most modalities use; -xs proposes Explicit VR LE.
  const r = await dcmtk('storescu', ['-aet', 'MODALITY', '-aec', 'EMBOLUS', '127.0.0.1', String(port), ...files], 600_000);
  const ms = performance.now() - t0;
  if (r.code !== 0) throw new Error(`storescu failed: ${r.out.slice(-2000)}`);
  return ms;
}

async function ingestRun(files: string[], bytes: number, i: number) {
  const tmp = tempDir(`bench-dimse-ingest-${i}`);
  const api = await startApi(path.join(tmp.dir, 'api'));
  const deps = api.server.runtime.deps;
  const tenant = await deps.store.tenants.ensure('hospital');
  await deps.store.dicom.setAeTitles(tenant.id, ['MODALITY']);
  let stored = 0;
  let ingestMs = 0;
  const listener = await startDicomListener({
    deps,
    port: 0,
    aeTitle: 'EMBOLUS',
    quietMs: 600_000,
    onStored: (e) => ((stored += e.outcome.status === 'stored' ? 1 : 0), (ingestMs += e.ms)),
  });
  try {
    const cpu0 = process.cpuUsage();
    const ms = await store(listener.port, files);
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    if (stored !== files.length) throw new Error(`stored ${stored} of ${files.length}`);
    return {
      ms,
      mbPerS: bytes / 1e6 / (ms / 1000),
      ingestMsPerInstance: ingestMs / files.length,
      cpuMs,
      mbPerCpuS: bytes / 1e6 / (cpuMs / 1000),
    };
  } finally {
    await listener.close();
    await api.close();
    tmp.cleanup();
  }
}

async function latencyRun(files: string[]) {
  const tmp = tempDir('bench-dimse-latency');
  const api = await startApi(path.join(tmp.dir, 'api'), { EMBOLUS_DICOM_DELIVERY_BACKOFF_BASE_MS: '500' });
  const deps = api.server.runtime.deps;
  const tenant = await deps.store.tenants.ensure('hospital');
  await deps.store.dicom.setAeTitles(tenant.id, ['MODALITY']);
  const pacsPort = await freePort();
  const inbox = path.join(tmp.dir, 'pacs');
  mkdirSync(inbox);
  const scp = spawn('storescp', ['-aet', 'PACS', '-od', inbox, String(pacsPort)], { stdio: 'ignore' });
  await deps.store.dicom.createDestination(tenant.id, { name: 'pacs', kind: 'dimse', host: '127.0.0.1', port: pacsPort, calledAe: 'PACS' });
  const quietMs = 2000;
  const marks: Record<string, number> = {};
  let objects: { buildMs: number; storeMs: number } | undefined;
  api.server.runtime.startDicomOutput(100, {
    onObjects: (t) => ((objects = t), (marks.objectsWritten = performance.now())),
    onDelivered: () => (marks.delivered = performance.now()),
  });
  const listener = await startDicomListener({
    deps,
    port: 0,
    aeTitle: 'EMBOLUS',
    quietMs,
    onStored: () => (marks.lastInstance = performance.now()),
    onSubmitted: () => (marks.submitted = performance.now()),
  });
  const runner = startRunner(api, await api.key('runner'), path.join(tmp.dir, 'runner'), ['--concurrency', '1', '--poll-seconds', '0.1']);
  await runner.waitForLog((l) => l.event === 'runner.started');
  const clinician = await api.key('clinician');
  try {
    await store(listener.port, files);
    const studyId = (await deps.store.studies.worklist(tenant.id, { limit: 1, offset: 0 }))[0]!.id;
    const result = await waitFor(
      async () => {
        const d = (await (await api.call('GET', `/v1/studies/${studyId}`, clinician)).json()) as {
          status: string;
          result: AnalysisResult | null;
        };
        if (d.status === 'failed') throw new Error('analysis failed');
        if (d.result) marks.resultStored ??= performance.now();
        return d.result ?? undefined;
      },
      600_000,
      50,
    );
    await waitFor(async () => (marks.delivered ? true : undefined), 120_000, 50);
    const stages: Record<string, number> = {
      total: marks.delivered! - marks.lastInstance!,
      quietPeriod: marks.submitted! - marks.lastInstance!,
      submitToResult: marks.resultStored! - marks.submitted!,
      ...Object.fromEntries(Object.entries(result.timings).map(([k, v]) => [`runner.${k}`, v])),
      buildSrAndKeyImages: objects!.buildMs,
      storeObjects: objects!.storeMs,
      resultToObjectsWritten: marks.objectsWritten! - marks.resultStored!,
      deliverToPacs: marks.delivered! - marks.objectsWritten!,
    };
    return stages;
  } finally {
    await stopRunner(runner, 'SIGKILL');
    scp.kill('SIGTERM');
    await listener.close();
    await api.close();
    tmp.cleanup();
  }
}

async function main() {
  process.stderr.write('generating a 256-slice 512² phantom (full preset)…\n');
  const files = await phantom();
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  process.stderr.write(`${files.length} instances, ${round(bytes / 1e6)} MB\n`);
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await ingestRun(files, bytes, i);
    process.stderr.write(
      `ingest run ${i + 1}: ${round(r.mbPerS)} MB/s (${round(r.ms / 1000, 2)} s; ` +
        `listener CPU ${round(r.cpuMs / 1000, 2)} s = ${round(r.mbPerCpuS)} MB per CPU-second)\n`,
    );
    runs.push(r);
  }
  // EMBOLUS_BENCH_LATENCY=0 measures ingest only (quick comparisons).
  const latency = process.env.EMBOLUS_BENCH_LATENCY === '0' ? {} : await latencyRun(files);
  const out = {
    bench: 'dimse',
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, loadavg: loadavg().map((x) => round(x, 2)) },
    study: { instances: files.length, bytes, matrix: 512, slices: 256 },
    ingest: {
      runs: runs.map((r) => ({
        mbPerS: round(r.mbPerS),
        seconds: round(r.ms / 1000, 2),
        ingestMsPerInstance: round(r.ingestMsPerInstance, 2),
        listenerCpuSeconds: round(r.cpuMs / 1000, 2),
        mbPerCpuSecond: round(r.mbPerCpuS),
      })),
      medianMbPerS: round(median(runs.map((r) => r.mbPerS))),
      // Wall-clock MB/s depends on what else runs on the machine; MB per CPU-second of the
      // listener process does much less.
      medianMbPerCpuSecond: round(median(runs.map((r) => r.mbPerCpuS))),
      goalMbPerS: 50,
    },
    latencyMs: Object.fromEntries(Object.entries(latency).map(([k, v]) => [k, Math.round(v)])),
  };
  writeBenchResult('dimse', out);
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

await main();
