/**
 * A tiny page over @embolus/deid, for browser tests and the benchmark: pick files, see the
 * plan (series, removed attributes, refusals), upload. `?key=` gives a bearer key (the dashboard
 * uses its session cookie and CSRF header instead); `?auto=1` uploads as soon as the scan ends.
 */
import {
  storageResumeStore,
  UploadController,
  workerProcessor,
  type DicomProcessor,
  type UploadPlan,
  type UploadReport,
  type WorkerLike,
} from '../src/client';

interface HarnessState {
  phase: 'idle' | 'scanning' | 'scanned' | 'uploading' | 'done' | 'failed';
  plan?: UploadPlan;
  report?: UploadReport;
  timing: { scanMs?: number; uploadMs?: number; totalMs?: number; bytes?: number; deidMs?: number };
  error?: string;
}

const state: HarnessState = { phase: 'idle', timing: {} };
(window as unknown as { harness: HarnessState }).harness = state;

const params = new URLSearchParams(location.search);
const key = params.get('key');
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (text: string) => void ($('status').textContent = text);

const pool = workerProcessor(() => new Worker('/worker.js') as unknown as WorkerLike, Number(params.get('workers') ?? 2));
// Summed wall time of de-identification calls (worker round trips included), for the benchmark.
const processor: DicomProcessor = {
  scan: (f, o) => pool.scan(f, o),
  async deidentify(f, o) {
    const t = performance.now();
    try {
      return await pool.deidentify(f, o);
    } finally {
      state.timing.deidMs = (state.timing.deidMs ?? 0) + (performance.now() - t);
    }
  },
  close: () => pool.close(),
};
const controller = new UploadController({
  processor,
  headers: (): Record<string, string> => (key ? { authorization: `Bearer ${key}` } : {}),
  resume: storageResumeStore(sessionStorage),
  concurrency: Number(params.get('concurrency') ?? 4),
});
controller.on((e) => {
  if (e.type === 'scan') status(`Read ${e.scanned} of ${e.total} files`);
  if (e.type === 'progress')
    status(
      `Uploaded ${e.instancesDone} of ${e.instancesTotal} instances ` +
        `(${(e.bytesDone / 1e6).toFixed(1)} of ${(e.bytesTotal / 1e6).toFixed(1)} MB)`,
    );
});

function item(list: HTMLElement, text: string): void {
  const li = document.createElement('li');
  li.textContent = text;
  list.append(li);
}

function render(plan: UploadPlan): void {
  const body = $('series');
  body.replaceChildren();
  for (const study of plan.studies) {
    for (const s of study.series) {
      const tr = document.createElement('tr');
      for (const v of [
        `Patient ${study.patient}, series ${s.seriesNumber ?? '?'}`,
        String(s.slices),
        s.modality,
        s.sliceThickness === null ? s.sliceThicknesses.join(', ') : `${s.sliceThickness} mm`,
      ]) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.append(td);
      }
      body.append(tr);
    }
  }
  $('removed').replaceChildren();
  for (const r of plan.removed) item($('removed'), `${r.keyword} ${r.tag} (${r.treatment}, ${r.files} files)`);
  $('refused').replaceChildren();
  for (const r of plan.refused) item($('refused'), `${r.name}: ${r.code} (${r.message})`);
}

let started = 0;
async function upload(): Promise<void> {
  if (!state.plan) return;
  state.phase = 'uploading';
  const t = performance.now();
  const report = await controller.upload(state.plan);
  state.timing.uploadMs = performance.now() - t;
  state.timing.totalMs = performance.now() - started;
  state.report = report;
  for (const r of report.refused.filter((x) => !state.plan!.refused.includes(x)))
    item($('refused'), `${r.name}: ${r.code}${r.apiCode ? ` ${r.apiCode}` : ''} (${r.message})`);
  status(report.stopped ? `Stopped: ${report.stopped.code}` : `Done: ${report.studies.map((s) => s.state).join(', ')}`);
  state.phase = 'done';
}

/** Scans files, shows the plan, and (with `?auto=1`) uploads it. */
async function run(files: File[]): Promise<void> {
  started = performance.now();
  state.phase = 'scanning';
  try {
    const plan = await controller.scan(files);
    state.timing.scanMs = performance.now() - started;
    state.timing.bytes = plan.studies.reduce((n, s) => n + s.bytes, 0);
    state.plan = plan;
    render(plan);
    state.phase = 'scanned';
    $<HTMLButtonElement>('upload').disabled = false;
    status(`${plan.studies.length} studies, ${plan.refused.length} files refused`);
    if (params.get('auto') === '1') await upload();
  } catch (e) {
    state.phase = 'failed';
    state.error = e instanceof Error ? e.message : 'failed';
    status(state.error);
  }
}

$<HTMLInputElement>('files').addEventListener('change', (ev) => void run([...((ev.target as HTMLInputElement).files ?? [])]));
$('upload').addEventListener('click', () => void upload().catch((e: unknown) => ((state.phase = 'failed'), (state.error = String(e)))));
$('cancel').addEventListener('click', () => controller.cancel());

// Benchmark mode (`?bench=1`): chromium runs without a DevTools client, whose network tracing
// copies every request body and would dominate the timing. The files are fetched into Files
// first (not timed, as a file input hands over Files), then scanned and uploaded as above, and
// the timing is posted back.
if (params.get('bench') === '1') {
  void (async () => {
    const names = (await (await fetch('/bench/files')).json()) as string[];
    const files: File[] = [];
    for (const name of names) files.push(new File([await (await fetch(`/bench/files/${encodeURIComponent(name)}`)).blob()], name));
    await run(files);
    const r = state.report;
    const summary = {
      phase: state.phase,
      error: state.error ?? null,
      timing: state.timing,
      studies: r?.studies.map((s) => ({ state: s.state, stored: s.stored })) ?? [],
    };
    await fetch('/bench/result', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(summary) });
  })();
}
