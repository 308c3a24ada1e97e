import { cpus } from 'node:os';
import { generateStudy, type StudyOptions } from '@embolus/phantom';
import { upperMedian as median, writeBenchResult } from '@embolus/local-stack/stats';

function time(label: string, runs: number, options: (run: number) => StudyOptions) {
  generateStudy({ ...options(-1), seed: 999 }); // warm-up (JIT)
  const ms: number[] = [];
  let shape: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const s = generateStudy(options(r));
    ms.push(performance.now() - t0);
    shape = s.truth.shape;
  }
  const result = { median_ms: Math.round(median(ms)), runs_ms: ms.map(Math.round), shape };
  console.log(
    `${label.padEnd(34)} median ${(result.median_ms / 1000).toFixed(2)} s  runs ${result.runs_ms.join(', ')} ms  shape ${shape.join('×')}`,
  );
  return result;
}

const full = time('full: 512² × 256 slices', 3, (r) => ({ seed: 100 + r, preset: 'full', kind: 'positive' }));
const demo = time('demo preset (192²/256², ~15 cm)', 10, (r) => ({ seed: 200 + r, preset: 'demo' }));
const tiny = time('128² × 40 slices of 3 mm', 10, (r) => ({
  seed: 300 + r,
  preset: 'demo',
  matrix: 128,
  slices: 40,
  sliceThicknessMm: 3,
}));

writeBenchResult('phantom', {
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model ?? 'unknown',
  full: { ...full, target_ms: 15000 },
  demo,
  small_128: tiny,
});
