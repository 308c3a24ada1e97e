/**
 * Preprocessing speed and memory: `npm run bench:preprocess`.
 *
 * Runs the whole serving pipeline (read + decode the series, order, pad, resample to 1 mm, lung
 * mask, crop, 192² windows) on a 256-slice 512² phantom and on the real 30-slice chest CT. Each
 * measurement runs in a fresh child process so its peak RSS is its own. Prints the median wall
 * time of each step over RUNS runs and writes bench/results/preprocess.json.
 * Targets: ≤ 3 s per 256-slice study on one core, peak RSS ≤ 1 GiB.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const RUNS = 3;
const here = import.meta.dirname;

if (process.argv[2] === '--measure') {
  const { preprocessFolder } = await import('@embolus/preprocess/node');
  const t0 = performance.now();
  const { meta, result } = await preprocessFolder(process.argv[3]!);
  const total = performance.now() - t0;
  process.stdout.write(JSON.stringify({ totalMs: total, steps: meta.timingsMs, windows: result.tensors[0]!.shape[0], lungLitres: meta.lungLitres, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function phantomDir(): Promise<string> {
  const dir = path.join(os.tmpdir(), 'embolus-bench-phantom-256x512');
  if (!existsSync(path.join(dir, 'phantom-manifest.json'))) {
    const { writeDataset } = await import('@embolus/phantom');
    process.stderr.write('generating a 256-slice 512² phantom…\n');
    await writeDataset({ out: dir, studies: 1, seed: 256, positiveRate: 1, study: { preset: 'full', matrix: 512, slices: 256 } });
  }
  return dir;
}

const datasets = [
  { name: 'phantom 256 × 512² (full CTPA preset)', dir: await phantomDir() },
  { name: 'real chest CT 30 × 512² (8 mm)', dir: path.resolve(here, '../../shared/data/chest-ct') },
];
const results: Record<string, unknown> = {};
console.log(`node ${process.version}, ${os.cpus()[0]?.model}; one process per run, median of ${RUNS}`);
for (const d of datasets) {
  const runs = Array.from({ length: RUNS }, () =>
    JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', path.join(here, 'preprocess.bench.ts'), '--measure', d.dir], { encoding: 'utf8', maxBuffer: 1 << 20 })),
  );
  const steps = Object.fromEntries(Object.keys(runs[0].steps).map((k) => [k, median(runs.map((r) => r.steps[k]))]));
  const r = { totalMs: median(runs.map((x) => x.totalMs)), peakRssMiB: Math.max(...runs.map((x) => x.maxRssMiB)), windows: runs[0].windows, lungLitres: runs[0].lungLitres, steps };
  results[d.name] = r;
  console.log(`\n${d.name}: total ${r.totalMs.toFixed(0)} ms, peak RSS ${r.peakRssMiB.toFixed(0)} MiB, ${r.windows} windows, lungs ${r.lungLitres} L`);
  for (const [k, v] of Object.entries(steps)) console.log(`  ${k.padEnd(20)} ${String(Math.round(v as number)).padStart(6)} ms`);
}
mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(path.join(here, 'results', 'preprocess.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, runs: RUNS, results }, null, 2));
