/**
 * Hardening benchmarks of the edge API on Node (loopback only; the server is a real
 * `embolus-api serve` process, measured from outside):
 *  1. peak RSS growth of the server while four decompression bombs arrive at once: 1 MB zips
 *     whose entry claims 1,000 bytes, then 1 MB Deflated Explicit VR Little Endian DICOM files
 *     (bound: ≤ 256 MB; before the fix ~3 GB). Read from /proc/<pid>/status: VmHWM after the
 *     peak was reset (clear_refs), and the highest VmRSS sampled every 5 ms.
 *  2. latency of small requests (GET /v1/health and the worklist, alternating, one every 20 ms)
 *     while a legal large zip (17 entries of 60 MiB of zeros) is uploaded and processed:
 *     p50/p99/max (bound: p99 ≤ 250 ms; before the fix the loop stalled ~6.8 s), with an idle
 *     baseline.
 * Prints medians over the runs and writes bench/results/hardening.json.
 *
 * Run: npx tsx bench/hardening.bench.ts   (npm run bench:hardening)
 * Sizes: HARDENING_ENTRIES (17), HARDENING_ENTRY_MIB (60), HARDENING_BOMBS (4), HARDENING_RUNS (3).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { benchHttp, seedBenchTenant, spawnApi, watchRss } from '@embolus/local-stack';
import { machineAtEnd, machineLine, percentile, round, upperMedian as median, writeBenchResult } from '@embolus/local-stack/stats';
import { buildZip, crc32 } from '@embolus/testkit';
import { deflatedDicomBomb, zipBomb } from '@embolus/testkit/bombs';

const MiB = 1024 * 1024;
const envInt = (name: string, def: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : def;
};
const ENTRIES = envInt('HARDENING_ENTRIES', 17);
const ENTRY_MIB = envInt('HARDENING_ENTRY_MIB', 60);
const BOMBS = envInt('HARDENING_BOMBS', 4);
const RUNS = envInt('HARDENING_RUNS', 3);
const PROBE_EVERY_MS = 20;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const client = benchHttp({ maxSockets: 64 });
const { send } = client;

/** Sends `BOMBS` bombs at once; the server's RSS growth from its resting RSS to its peak, MB. */
async function bombRun(
  pid: number,
  base: string,
  key: string,
  kind: 'zip' | 'dicom',
): Promise<{ hwmGrowthMb: number; sampledGrowthMb: number; ms: number; refusals: string[] }> {
  const auth = { authorization: `Bearer ${key}` };
  const studies: string[] = [];
  for (let i = 0; i < BOMBS; i++)
    studies.push((JSON.parse((await send(base, 'POST', '/v1/studies', auth)).body.toString()) as { id: string }).id);
  const bodies = Array.from({ length: BOMBS }, () => (kind === 'zip' ? zipBomb() : deflatedDicomBomb()));
  await sleep(300); // let the server settle (GC) before taking its resting RSS
  const rss = watchRss(pid);
  const t0 = performance.now();
  const responses = await Promise.all(
    bodies.map((body, i) =>
      kind === 'zip'
        ? send(base, 'POST', `/v1/studies/${studies[i]}/instances`, { ...auth, 'content-type': 'application/zip' }, body)
        : send(base, 'PUT', `/v1/studies/${studies[i]}/instances/1.2.826.0.1.${i}`, { ...auth, 'content-type': 'application/dicom' }, body),
    ),
  );
  const ms = performance.now() - t0;
  const { baselineKb, sampledKb, hwmKb, hwmReset } = rss.stop();
  const refusals = responses.map((r) => {
    const b = JSON.parse(r.body.toString()) as { files?: { code: string }[]; error?: { details: { dicomCode?: string } } };
    return `${r.status} ${b.files?.[0]?.code ?? b.error?.details.dicomCode ?? '?'}`;
  });
  return {
    hwmGrowthMb: hwmReset ? (hwmKb - baselineKb) / 1024 : Number.NaN,
    sampledGrowthMb: (sampledKb - baselineKb) / 1024,
    ms,
    refusals,
  };
}

/** A legal zip: ENTRIES entries of ENTRY_MIB MiB of zeros (deflated once, reused). */
function legalZip(): Uint8Array {
  const zeros = new Uint8Array(ENTRY_MIB * MiB);
  const compressed = deflateRawSync(zeros, { level: 6 });
  const crc = crc32(zeros);
  return buildZip(Array.from({ length: ENTRIES }, (_, i) => ({ name: `zeros/${i}.bin`, data: zeros, deflate: true, compressed, crc })));
}

/** Probes every 20 ms until `until` settles; latencies of the probes, ms. */
async function probeWhile(base: string, key: string, until: Promise<unknown>): Promise<number[]> {
  const latencies: number[] = [];
  const inflight: Promise<void>[] = [];
  let done = false;
  void until.finally(() => (done = true));
  for (let i = 0; !done; i++) {
    const p = i % 2 === 0 ? '/v1/health' : '/v1/studies?limit=20';
    const start = performance.now();
    inflight.push(
      send(base, 'GET', p, { authorization: `Bearer ${key}` }).then((r) => {
        if (r.status !== 200) throw new Error(`${p} answered ${r.status}`);
        latencies.push(performance.now() - start);
      }),
    );
    await sleep(PROBE_EVERY_MS);
  }
  await Promise.all(inflight);
  return latencies;
}

async function latencyRun(base: string, key: string, zip: Uint8Array) {
  const idle = await probeWhile(base, key, sleep(2000));
  const auth = { authorization: `Bearer ${key}` };
  const study = (JSON.parse((await send(base, 'POST', '/v1/studies', auth)).body.toString()) as { id: string }).id;
  const t0 = performance.now();
  const upload = send(base, 'POST', `/v1/studies/${study}/instances`, { ...auth, 'content-type': 'application/zip' }, zip);
  const during = await probeWhile(base, key, upload);
  const up = await upload;
  const seconds = (performance.now() - t0) / 1000;
  const body = JSON.parse(up.body.toString()) as { refused?: number; files?: unknown[] };
  if (up.status !== 200 || body.files?.length !== ENTRIES)
    throw new Error(`the legal zip answered ${up.status}: ${up.body.toString().slice(0, 300)}`);
  const stats = (xs: number[]) => ({
    n: xs.length,
    p50Ms: round(percentile(xs, 50)),
    p99Ms: round(percentile(xs, 99)),
    maxMs: round(Math.max(...xs)),
  });
  return { uploadSeconds: round(seconds, 2), idle: stats(idle), during: stats(during) };
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'embolus-hardening-'));
let server: Awaited<ReturnType<typeof spawnApi>> | undefined;
try {
  const seeded = await seedBenchTenant(dataDir);
  seeded.close();
  const { key } = seeded;
  const zip = legalZip();
  const inflated = ENTRIES * ENTRY_MIB * MiB;
  // Limits for this server only, so the legal zip is legal; bombs still meet the per-instance limit.
  const env = {
    EMBOLUS_MAX_ZIP_INFLATED_BYTES: String(Math.max(inflated + MiB, 1024 * MiB)),
    EMBOLUS_MAX_INSTANCE_BYTES: String(Math.max(ENTRY_MIB * MiB, 64 * MiB)),
    EMBOLUS_MAX_REQUEST_BYTES: String(Math.max(zip.length + MiB, 100_000_000)),
  };
  console.log(machineLine());
  console.log(
    `legal zip: ${ENTRIES} × ${ENTRY_MIB} MiB of zeros (${round(zip.length / 1e6, 2)} MB compressed); ` +
      `bombs: ${BOMBS} at once, ~1 MB each, ~1 GB inflated`,
  );
  server = await spawnApi(dataDir, { env });
  const pid = server.child.pid as number;
  // Warm-up: JIT, connections, SQLite pages.
  await bombRun(pid, server.base, key, 'zip');
  await bombRun(pid, server.base, key, 'dicom');
  const zipBombs = [];
  const dicomBombs = [];
  const latency = [];
  for (let r = 0; r < RUNS; r++) {
    const z = await bombRun(pid, server.base, key, 'zip');
    const d = await bombRun(pid, server.base, key, 'dicom');
    zipBombs.push(z);
    dicomBombs.push(d);
    const bombLine = (what: string, b: typeof z) =>
      `  run ${r + 1}: ${BOMBS} ${what} bombs +${round(b.hwmGrowthMb)} MB peak RSS (sampled +${round(b.sampledGrowthMb)}), ` +
      `${round(b.ms)} ms [${b.refusals.join(', ')}]`;
    console.log(bombLine('zip', z));
    console.log(bombLine('deflated-DICOM', d));
    const l = await latencyRun(server.base, key, zip);
    latency.push(l);
    console.log(
      `  run ${r + 1}: legal zip processed in ${l.uploadSeconds} s; probes idle p50 ${l.idle.p50Ms} / p99 ${l.idle.p99Ms} ms, ` +
        `during p50 ${l.during.p50Ms} / p99 ${l.during.p99Ms} / max ${l.during.maxMs} ms (${l.during.n} probes)`,
    );
  }
  const result = {
    machine: machineAtEnd(),
    setup: {
      bombs: BOMBS,
      legalZip: { entries: ENTRIES, entryMiB: ENTRY_MIB, compressedBytes: zip.length },
      probeEveryMs: PROBE_EVERY_MS,
      runs: RUNS,
      serverEnv: env,
    },
    bounds: { bombPeakRssGrowthMb: 256, probeP99Ms: 250 },
    bombs: {
      zip: {
        medianPeakRssGrowthMb: round(median(zipBombs.map((z) => z.hwmGrowthMb))),
        medianSampledGrowthMb: round(median(zipBombs.map((z) => z.sampledGrowthMb))),
        runs: zipBombs.map((z) => ({
          ...z,
          hwmGrowthMb: round(z.hwmGrowthMb),
          sampledGrowthMb: round(z.sampledGrowthMb),
          ms: round(z.ms),
        })),
      },
      deflatedDicom: {
        medianPeakRssGrowthMb: round(median(dicomBombs.map((d) => d.hwmGrowthMb))),
        medianSampledGrowthMb: round(median(dicomBombs.map((d) => d.sampledGrowthMb))),
        runs: dicomBombs.map((d) => ({
          ...d,
          hwmGrowthMb: round(d.hwmGrowthMb),
          sampledGrowthMb: round(d.sampledGrowthMb),
          ms: round(d.ms),
        })),
      },
    },
    legalZipLatency: {
      medianUploadSeconds: median(latency.map((l) => l.uploadSeconds)),
      medianIdleP50Ms: median(latency.map((l) => l.idle.p50Ms)),
      medianIdleP99Ms: median(latency.map((l) => l.idle.p99Ms)),
      medianDuringP50Ms: median(latency.map((l) => l.during.p50Ms)),
      medianDuringP99Ms: median(latency.map((l) => l.during.p99Ms)),
      medianDuringMaxMs: median(latency.map((l) => l.during.maxMs)),
      runs: latency,
    },
  };
  const lat = result.legalZipLatency;
  console.log(
    `medians over ${RUNS} runs: peak RSS growth, ${BOMBS} zip bombs +${result.bombs.zip.medianPeakRssGrowthMb} MB, ` +
      `${BOMBS} deflated-DICOM bombs +${result.bombs.deflatedDicom.medianPeakRssGrowthMb} MB (bound 256); ` +
      `probes during the legal zip p50 ${lat.medianDuringP50Ms} ms, p99 ${lat.medianDuringP99Ms} ms (bound 250), ` +
      `idle p99 ${lat.medianIdleP99Ms} ms; zip processed in ${lat.medianUploadSeconds} s`,
  );
  writeBenchResult('hardening', result);
} finally {
  client.destroy();
  await server?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
