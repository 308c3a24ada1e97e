import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { createApp } from '@embolus/edge-api';
import { startApi, startRunner, stopRunner, tempDir, uploadStudy, waitFor } from '@embolus/local-stack';
import { writeDataset } from '@embolus/phantom';
import { AnalysisResultSchema, keyWindows, type AnalysisResult } from '@embolus/shared';
import { median, round, writeBenchResult } from '@embolus/local-stack/stats';

const RUNS = 7;
const MATRIX = 512;

const tmp = tempDir('bench-report');
const api = await startApi(path.join(tmp.dir, 'api'));
const runner = startRunner(api, await api.key('runner'), path.join(tmp.dir, 'runner'), ['--health-port', '0']);
try {
  const clinician = await api.key('clinician');
  let studyId = '';
  let result: AnalysisResult | null = null;
  let slices = 0;
  for (const seed of [11, 12, 13, 14]) {
    const ds = await writeDataset({
      out: path.join(tmp.dir, `ph-${seed}`),
      studies: 1,
      seed,
      positiveRate: 1,
      study: { preset: 'demo', matrix: MATRIX },
    });
    const up = await uploadStudy(api, clinician, path.join(ds.out, ds.studies[0]!.studyInstanceUid));
    const detail = await waitFor(async () => {
      const d = (await (await api.call('GET', `/v1/studies/${up.studyId}`, clinician)).json()) as {
        status: string;
        result: AnalysisResult | null;
      };
      return d.status === 'complete' || d.status === 'failed' ? d : undefined;
    }, 300_000);
    if (detail.status !== 'complete') throw new Error(`the phantom (seed ${seed}) was not analysed`);
    studyId = up.studyId;
    slices = up.instances;
    result = AnalysisResultSchema.parse(detail.result);
    const reported = result.windows.filter((w) => w.decision === true).length;
    process.stderr.write(`seed ${seed}: ${up.instances} slices, ${reported} reported windows\n`);
    if (reported >= 3) break;
  }
  const keyImages = result ? keyWindows(result, 3).length : 0;
  const app = createApp(api.server.runtime.deps);
  const headers = { authorization: `Bearer ${clinician}` };
  const time = async (format: 'pdf' | 'html') => {
    const ms: number[] = [];
    let bytes = 0;
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      const res = await app.request(`/v1/studies/${studyId}/report.${format}`, { headers });
      const body = new Uint8Array(await res.arrayBuffer());
      ms.push(performance.now() - t0);
      if (res.status !== 200) throw new Error(`report.${format} answered ${res.status}`);
      bytes = body.length;
    }
    return { medianMs: round(median(ms)), minMs: round(Math.min(...ms)), maxMs: round(Math.max(...ms)), bytes };
  };
  // One warm-up request: fonts are read once per process.
  await app.request(`/v1/studies/${studyId}/report.pdf`, { headers });
  const pdf = await time('pdf');
  const html = await time('html');
  const out = {
    bench: 'report',
    when: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadavg1: round(loadavg()[0] ?? 0, 2) },
    study: { matrix: MATRIX, slices, windows: result?.windows.length ?? 0, keyImages },
    runs: RUNS,
    pdf,
    html,
  };
  console.log(
    `report.pdf: median ${pdf.medianMs} ms (min ${pdf.minMs}, max ${pdf.maxMs}) over ${RUNS} runs, ` +
      `${round(pdf.bytes / 1024)} KiB, ${keyImages} key images of ${MATRIX}², ${slices} slices`,
  );
  console.log(`report.html: median ${html.medianMs} ms, ${round(html.bytes / 1024)} KiB`);
  writeBenchResult('report', out);
} finally {
  await stopRunner(runner, 'SIGKILL');
  await api.close();
  tmp.cleanup();
}
