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
import http from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStore } from '@embolus/db';
import { openSqlite } from '@embolus/db/node';
import { percentile, spawnApi } from '@embolus/local-stack';
import { ctSlice, multipart, uid } from '@embolus/testkit';

const here = path.dirname(fileURLToPath(import.meta.url));
const SLICES = Number(process.env['DICOMWEB_BENCH_SLICES'] ?? 256);
const SIZE = Number(process.env['DICOMWEB_BENCH_SIZE'] ?? 512);
const QIDO_RUNS = 30;
const WADO_RUNS = 5;
const STOW_BATCH = 32;
const OTHER_STUDIES = Number(process.env['DICOMWEB_BENCH_OTHER_STUDIES'] ?? 1000);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const agent = new http.Agent({ keepAlive: true });

/** One request; the answer's bytes are counted as they arrive, never kept (unless `keep`). */
function send(
  base: string,
  method: string,
  p: string,
  headers: Record<string, string>,
  body?: Uint8Array,
  keep = false,
): Promise<{ status: number; bytes: number; body: Buffer }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path: p,
        agent,
        headers: body ? { ...headers, 'content-length': String(body.length) } : headers,
      },
      (res) => {
        let bytes = 0;
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => {
          bytes += d.length;
          if (keep) chunks.push(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function procKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'embolus-dicomweb-bench-'));
  const dataDir = path.join(dir, 'api');
  mkdirSync(dataDir, { recursive: true });
  const h = openSqlite(path.join(dataDir, 'embolus.sqlite'));
  const store = createStore(h.driver);
  const tenant = await store.tenants.create({ name: 'bench' });
  const { key } = await store.keys.create({ tenantId: tenant.id, role: 'clinician' });
  // Other studies' search rows (their blobs are never read here), so the searches run in a
  // tenant of realistic size rather than an empty one.
  const filler = await store.studies.create(tenant.id);
  const insI = h.sqlite.prepare(
    'INSERT INTO instances (id, tenant_id, study_id, sop_instance_uid, size, sha256, blob_key, created_at) VALUES (?,?,?,?,?,?,?,?)',
  );
  const insA =
    h.sqlite.prepare(`INSERT INTO dicom_instance_attributes (instance_id, tenant_id, study_id, study_instance_uid, series_instance_uid, sop_instance_uid,
    sop_class_uid, modality, study_date, series_number, instance_number, rows, columns, number_of_frames, transfer_syntax_uid, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
  h.sqlite.transaction(() => {
    for (let i = 0; i < OTHER_STUDIES; i++) {
      for (let j = 0; j < 256; j++) {
        const id = `bench-${i}-${j}`;
        insI.run(id, tenant.id, filler.id, `2.25.9.${i}.${j}`, 524_288, 'a'.repeat(64), `tenants/${tenant.id}/bench/${id}`, Date.now());
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
  h.close();
  const { child, base } = await spawnApi(dataDir, { env: { EMBOLUS_MAX_STUDY_INSTANCES: String(Math.max(SLICES, 1000)) } });
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
      let hwmReset = true;
      try {
        writeFileSync(`/proc/${pid}/clear_refs`, '5');
      } catch {
        hwmReset = false;
      }
      const baseline = procKb(pid, 'VmRSS');
      let sampled = baseline;
      const sampler = setInterval(() => (sampled = Math.max(sampled, procKb(pid, 'VmRSS'))), 5);
      const t0 = performance.now();
      const res = await send(base, 'GET', `/dicomweb/studies/${study}/series/${series}`, {
        ...auth,
        accept: 'multipart/related; type="application/dicom"; transfer-syntax=*',
      });
      const s = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      if (res.status !== 200 || res.bytes < uploaded) throw new Error(`WADO-RS answered ${res.status} with ${res.bytes} bytes`);
      const hwm = hwmReset ? procKb(pid, 'VmHWM') : sampled;
      const run = { mbPerS: res.bytes / 1e6 / s, hwmGrowthMb: (hwm - baseline) / 1024, sampledGrowthMb: (sampled - baseline) / 1024 };
      wado.push(run);
      console.log(
        `  run ${r + 1}: ${round(res.bytes / 1e6)} MB in ${round(s, 2)} s = ${round(run.mbPerS)} MB/s, peak RSS +${round(run.hwmGrowthMb)} MB (sampled +${round(run.sampledGrowthMb)})`,
      );
    }
    const result = {
      machine: { cpus: cpus().length, loadavg: loadavg().map((x) => round(x, 2)), node: process.version },
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
      `medians: QIDO-RS ${result.qidoInstances.medianMs} ms (${SLICES} instances); QIDO-RS studies unfiltered ${result.qidoStudiesUnfiltered.medianMs} ms; WADO-RS series ${result.wadoSeries.medianMbPerS} MB/s; ` +
        `peak RSS growth +${result.wadoSeries.medianPeakRssGrowthMb} MB while serving ${result.series.megabytes} MB`,
    );
    mkdirSync(path.join(here, 'results'), { recursive: true });
    writeFileSync(path.join(here, 'results', 'dicomweb.json'), `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    child.kill();
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
