/**
 * DICOMweb on Node (loopback only; the server runs in its own process):
 *  1. QIDO-RS instance search of a 256-instance series (all 256 answered): median and p95 latency;
 *  2. WADO-RS retrieve of that series (512² 16-bit slices, ~128 MB) as multipart/related,
 *     consumed as it streams: MB/s;
 *  3. the server's peak RSS growth during a retrieve (VmHWM after clear_refs, and VmRSS sampled
 *     every 5 ms), which stays small because instances stream one at a time;
 *  4. QIDO-RS study search without a filter (limit 100) over the same tenant, which also holds
 *     OTHER_STUDIES studies of 256 instances (rows seeded straight into SQLite before the server
 *     starts): the one search that reads every instance row of the tenant.
 * Prints medians and writes bench/results/dicomweb.json.
 *
 * Run: npx tsx bench/dicomweb.bench.ts   (DICOMWEB_BENCH_SLICES / _SIZE shrink it)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { benchHttp, seedBenchTenant, spawnApi, watchRss } from '@embolus/local-stack';
import { loadAverages, percentile, round, upperMedian as median, writeBenchResult } from '@embolus/local-stack/stats';
import { ctSlice, multipart, uid } from '@embolus/testkit';

const SLICES = Number(process.env['DICOMWEB_BENCH_SLICES'] ?? 256);
const SIZE = Number(process.env['DICOMWEB_BENCH_SIZE'] ?? 512);
const QIDO_RUNS = 30;
const WADO_RUNS = 5;
const STOW_BATCH = 32;
const OTHER_STUDIES = Number(process.env['DICOMWEB_BENCH_OTHER_STUDIES'] ?? 1000);

// The answers' bytes are counted as they arrive, never kept unless asked (`keep`).
const client = benchHttp();
const send = (base: string, method: string, p: string, headers: Record<string, string>, body?: Uint8Array, keep = false) =>
  client.send(base, method, p, headers, body, keep);

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'embolus-dicomweb-bench-'));
  const dataDir = path.join(dir, 'api');
  const { sqlite: h, store, tenant, key, close } = await seedBenchTenant(dataDir);
  // Other studies' search rows (their blobs are never read here), so the searches run in a
  // tenant of realistic size rather than an empty one.
  const filler = await store.studies.create(tenant.id);
  const insI = h.sqlite.prepare(
    'INSERT INTO instances (id, tenant_id, study_id, sop_instance_uid, size, sha256, blob_key, created_at) VALUES (?,?,?,?,?,?,?,?)',
  );
  const insA = h.sqlite.prepare(`INSERT INTO dicom_instance_attributes (instance_id, tenant_id, study_id, study_instance_uid,
    series_instance_uid, sop_instance_uid, sop_class_uid, modality, study_date, series_number, instance_number, rows, columns,
    number_of_frames, transfer_syntax_uid, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
  h.sqlite.transaction(() => {
    for (let i = 0; i < OTHER_STUDIES; i++) {
      for (let j = 0; j < 256; j++) {
        const id = `bench-${i}-${j}`;
        const blobKey = `tenants/${tenant.id}/bench/${id}`;
        insI.run(id, tenant.id, filler.id, `2.25.9.${i}.${j}`, 524_288, 'a'.repeat(64), blobKey, Date.now());
        insA.run(
          id,
          tenant.id,
          filler.id,
          `2.25.9.${i}`,
          `2.25.9.${i}.1`,
          `2.25.9.${i}.${j}`,
          '1.2.840.10008.5.1.4.1.1.2',
          'CT',
          `2026${String(1 + (i % 12)).padStart(2, '0')}15`,
          1,
          j + 1,
          512,
          512,
          1,
          '1.2.840.10008.1.2.1',
          Date.now(),
        );
      }
    }
  })();
  close();
  const { child, base, stop } = await spawnApi(dataDir, { env: { EMBOLUS_MAX_STUDY_INSTANCES: String(Math.max(SLICES, 1000)) } });
  const auth = { authorization: `Bearer ${key}` };
  try {
    const study = uid();
    const series = uid();
    let uploaded = 0;
    for (let i = 0; i < SLICES; i += STOW_BATCH) {
      const files = Array.from({ length: Math.min(STOW_BATCH, SLICES - i) }, (_, j) => ({
        bytes: ctSlice({ study, series, sop: uid(), index: i + j, size: SIZE }),
      }));
      uploaded += files.reduce((n, f) => n + f.bytes.length, 0);
      const m = multipart(files, 'related');
      const r = await send(base, 'POST', '/dicomweb/studies', { ...auth, 'content-type': m.contentType }, m.body, true);
      if (r.status !== 200) throw new Error(`STOW-RS answered ${r.status}: ${r.body.toString().slice(0, 200)}`);
    }
    console.log(`stored ${SLICES} instances of ${SIZE}² (${round(uploaded / 1e6)} MB)`);

    const qidoPath = `/dicomweb/studies/${study}/series/${series}/instances?limit=1000`;
    const qido: number[] = [];
    for (let r = 0; r < QIDO_RUNS + 3; r++) {
      const t0 = performance.now();
      const res = await send(base, 'GET', qidoPath, auth, undefined, true);
      const ms = performance.now() - t0;
      const n = (JSON.parse(res.body.toString()) as unknown[]).length;
      if (res.status !== 200 || n !== SLICES) throw new Error(`QIDO-RS answered ${res.status} with ${n} instances`);
      if (r >= 3) qido.push(ms); // the first runs warm SQLite's cache and the JIT
    }
    console.log(
      `QIDO-RS instances of a ${SLICES}-instance series: median ${round(median(qido))} ms, p95 ${round(percentile(qido, 95))} ms`,
    );

    const studySearch: number[] = [];
    for (let r = 0; r < 10 + 2; r++) {
      const t0 = performance.now();
      const res = await send(base, 'GET', '/dicomweb/studies?limit=100', auth, undefined, true);
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`QIDO-RS studies answered ${res.status}`);
      if (r >= 2) studySearch.push(ms);
    }
    const tenantInstances = SLICES + OTHER_STUDIES * 256;
    console.log(`QIDO-RS studies (no filter, limit 100) over ${tenantInstances} instances: median ${round(median(studySearch))} ms`);

    const pid = child.pid!;
    const wado: { mbPerS: number; hwmGrowthMb: number; sampledGrowthMb: number }[] = [];
    for (let r = 0; r < WADO_RUNS; r++) {
      await new Promise((res) => setTimeout(res, 300));
      const rss = watchRss(pid);
      const t0 = performance.now();
      const res = await send(base, 'GET', `/dicomweb/studies/${study}/series/${series}`, {
        ...auth,
        accept: 'multipart/related; type="application/dicom"; transfer-syntax=*',
      });
      const s = (performance.now() - t0) / 1000;
      const { baselineKb, sampledKb, hwmKb, hwmReset } = rss.stop();
      if (res.status !== 200 || res.bytes < uploaded) throw new Error(`WADO-RS answered ${res.status} with ${res.bytes} bytes`);
      const hwm = hwmReset ? hwmKb : sampledKb;
      const run = {
        mbPerS: res.bytes / 1e6 / s,
        hwmGrowthMb: (hwm - baselineKb) / 1024,
        sampledGrowthMb: (sampledKb - baselineKb) / 1024,
      };
      wado.push(run);
      console.log(
        `  run ${r + 1}: ${round(res.bytes / 1e6)} MB in ${round(s, 2)} s = ${round(run.mbPerS)} MB/s, ` +
          `peak RSS +${round(run.hwmGrowthMb)} MB (sampled +${round(run.sampledGrowthMb)})`,
      );
    }
    const result = {
      machine: { cpus: cpus().length, loadavg: loadAverages(), node: process.version },
      series: { instances: SLICES, matrix: SIZE, megabytes: round(uploaded / 1e6) },
      qidoInstances: {
        runs: QIDO_RUNS,
        medianMs: round(median(qido), 2),
        p95Ms: round(percentile(qido, 95), 2),
        tenantInstances: SLICES + OTHER_STUDIES * 256,
      },
      qidoStudiesUnfiltered: {
        runs: studySearch.length,
        medianMs: round(median(studySearch), 2),
        tenantInstances: SLICES + OTHER_STUDIES * 256,
      },
      wadoSeries: {
        runs: WADO_RUNS,
        medianMbPerS: round(median(wado.map((w) => w.mbPerS))),
        medianPeakRssGrowthMb: round(median(wado.map((w) => w.hwmGrowthMb))),
        medianSampledRssGrowthMb: round(median(wado.map((w) => w.sampledGrowthMb))),
      },
    };
    console.log(
      `medians: QIDO-RS ${result.qidoInstances.medianMs} ms (${SLICES} instances); ` +
        `QIDO-RS studies unfiltered ${result.qidoStudiesUnfiltered.medianMs} ms; WADO-RS series ${result.wadoSeries.medianMbPerS} MB/s; ` +
        `peak RSS growth +${result.wadoSeries.medianPeakRssGrowthMb} MB while serving ${result.series.megabytes} MB`,
    );
    writeBenchResult('dicomweb', result);
  } finally {
    await stop();
    client.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
