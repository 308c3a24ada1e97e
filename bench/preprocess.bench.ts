/**
 * Preprocessing speed and memory against the paper's language, in one run: `npm run bench:preprocess`.
 *
 * Times what a user runs, `embolus preprocess <series> --out <dir>` (the installed bin, a fresh
 * process each time: start-up, JPEG-lossless decoding, every step, writing windows.npy), and the
 * numpy/scipy/pydicom reference `../shared/bench/preprocess_ref.py` (writing its windows too), on
 * - a 256-slice 512² contrast CTPA phantom at 1.25 mm, JPEG-lossless (dcmcjpeg), with padding
 *   outside the reconstruction circle (bench/lib/jpeg-lossless-series.ts);
 * - the real 30-slice 512² chest CT from ../shared (8 mm, uncompressed).
 * Runs alternate (ours, reference, ours, …) so both see the same machine load. Prints the median
 * wall time, step times and peak RSS of each, the ratio of medians and the median of the per-run
 * ratios, and writes bench/results/preprocess.json. Target: ≥ 3× the reference, peak RSS ≤ 1 GiB.
 *
 * Needs Debian's python3-numpy, python3-scipy, python3-pydicom and python3-gdcm (pydicom's JPEG
 * lossless decoder), DCMTK (dcmcjpeg, dcmodify) and GNU time (/usr/bin/time, for peak RSS).
 * BENCH_RUNS sets the number of runs (default 5).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pythonExecutable } from '@embolus/trainer';
import { jpegLosslessSeries } from './lib/jpeg-lossless-series';
import { median, writeBenchResult } from '@embolus/local-stack/stats';

const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));
const here = import.meta.dirname;
const root = path.resolve(here, '..');
const REFERENCE = path.resolve(root, '../shared/bench/preprocess_ref.py');
const REAL = path.resolve(root, '../shared/data/chest-ct/lungpetctdx_A0002_chest_noncon_8mm_B40f');
const BIN = path.join(root, 'node_modules/.bin/embolus');
const GNU_TIME = '/usr/bin/time';
const PY = pythonExecutable();
const work = path.join(os.tmpdir(), `embolus-bench-preprocess-${process.pid}`);

function checkPrerequisites(): void {
  const probe = spawnSync(PY, ['-c', 'import numpy, scipy, pydicom, gdcm'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.error(
      `error: the reference needs numpy, scipy, pydicom and gdcm in ${PY}:\n` +
        '  apt-get install -y --no-install-recommends python3-numpy python3-scipy python3-pydicom python3-gdcm',
    );
    process.exit(1);
  }
  if (!existsSync(BIN)) {
    console.error(`error: ${BIN} is missing: run npm install`);
    process.exit(1);
  }
}

interface Measured {
  wallMs: number;
  peakRssMiB: number | undefined;
  steps: Record<string, number>;
}

/** Runs a command, timing its wall clock here and reading its peak RSS from GNU time. */
function measure(cmd: string, args: string[]): { wallMs: number; peakRssMiB: number | undefined; stdout: string } {
  const rssFile = path.join(work, 'rss');
  const withTime = existsSync(GNU_TIME);
  const [c, a] = withTime ? [GNU_TIME, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = spawnSync(c, a, { encoding: 'utf8', maxBuffer: 1 << 24, stdio: ['ignore', 'pipe', 'pipe'] });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  const peakRssMiB = withTime ? Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop()) / 1024 : undefined;
  return { wallMs, peakRssMiB, stdout: r.stdout };
}

function runOurs(dir: string): Measured {
  const out = path.join(work, 'ours');
  const m = measure(BIN, ['preprocess', dir, '--out', out]);
  const meta = JSON.parse(readFileSync(path.join(out, 'meta.json'), 'utf8')) as { timingsMs: Record<string, number> };
  return { wallMs: m.wallMs, peakRssMiB: m.peakRssMiB, steps: meta.timingsMs };
}

function runReference(dir: string): Measured {
  const m = measure(PY, [REFERENCE, dir, '--out', path.join(work, 'reference.npy')]);
  const j = JSON.parse(m.stdout.trim().split('\n').pop()!) as { seconds: Record<string, number> };
  return {
    wallMs: m.wallMs,
    peakRssMiB: m.peakRssMiB,
    steps: Object.fromEntries(Object.entries(j.seconds).map(([k, s]) => [k, s * 1000])),
  };
}

function summarize(runs: Measured[]) {
  const keys = Object.keys(runs[0]!.steps);
  const steps = Object.fromEntries(keys.map((k) => [k, Math.round(median(runs.map((r) => r.steps[k] ?? 0)))]));
  const inSteps = median(runs.map((r) => keys.reduce((n, k) => n + (r.steps[k] ?? 0), 0)));
  const rss = runs.map((r) => r.peakRssMiB).filter((x): x is number => x !== undefined);
  return {
    wallMs: Math.round(median(runs.map((r) => r.wallMs))),
    wallMsAll: runs.map((r) => Math.round(r.wallMs)),
    stepsMs: steps,
    /** Wall time outside the timed steps: start-up, writing the output, exit. */
    otherMs: Math.round(median(runs.map((r) => r.wallMs)) - inSteps),
    peakRssMiB: rss.length ? Math.round(Math.max(...rss)) : null,
  };
}

checkPrerequisites();
mkdirSync(work, { recursive: true });
const datasets = [
  { name: 'CTPA phantom 256 × 512², 1.25 mm, JPEG lossless', dir: await jpegLosslessSeries() },
  { name: 'real chest CT 30 × 512², 8 mm, uncompressed', dir: REAL },
];
console.log(
  `node ${process.version}, ${PY}; ${os.cpus()[0]?.model}, ${os.cpus().length} cores, ` +
    `load ${os.loadavg()[0]!.toFixed(1)}; median of ${RUNS} alternating runs`,
);
const results: Record<string, unknown> = {};
try {
  for (const d of datasets) {
    // One unmeasured run of each warms the page cache (and tsx's transform cache).
    runOurs(d.dir);
    runReference(d.dir);
    const ours: Measured[] = [];
    const ref: Measured[] = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(runOurs(d.dir));
      ref.push(runReference(d.dir));
    }
    const o = summarize(ours);
    const r = summarize(ref);
    const ratio = r.wallMs / o.wallMs;
    const pairedRatio = median(ours.map((x, i) => ref[i]!.wallMs / x.wallMs));
    results[d.name] = { ours: o, reference: r, ratio: Number(ratio.toFixed(2)), medianPairedRatio: Number(pairedRatio.toFixed(2)) };
    console.log(`\n${d.name}`);
    console.log(
      `  embolus preprocess  ${String(o.wallMs).padStart(6)} ms wall, ` +
        `peak RSS ${o.peakRssMiB ?? '?'} MiB  (runs: ${o.wallMsAll.join(', ')})`,
    );
    for (const [k, v] of Object.entries(o.stepsMs)) console.log(`    ${k.padEnd(20)} ${String(v).padStart(6)} ms`);
    console.log(`    ${'start-up, output'.padEnd(20)} ${String(o.otherMs).padStart(6)} ms`);
    console.log(
      `  numpy/scipy ref     ${String(r.wallMs).padStart(6)} ms wall, ` +
        `peak RSS ${r.peakRssMiB ?? '?'} MiB  (runs: ${r.wallMsAll.join(', ')})`,
    );
    for (const [k, v] of Object.entries(r.stepsMs)) console.log(`    ${k.padEnd(20)} ${String(v).padStart(6)} ms`);
    console.log(`    ${'start-up, output'.padEnd(20)} ${String(r.otherMs).padStart(6)} ms`);
    console.log(`  ratio (reference / ours): ${ratio.toFixed(2)}× of medians, ${pairedRatio.toFixed(2)}× median of per-run ratios`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const gitRev = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
writeBenchResult('preprocess', {
  date: new Date().toISOString(),
  commit: gitRev,
  node: process.version,
  cpu: os.cpus()[0]?.model,
  cores: os.cpus().length,
  loadAverage: os.loadavg(),
  runs: RUNS,
  results,
});
