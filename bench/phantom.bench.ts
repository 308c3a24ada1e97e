/**
 * Phantom generation speed (single thread): `npx tsx bench/phantom.bench.ts`.
 *
 *  1. the full configuration: one 512² × 256-slice study (target ≤ 15 s on the 2-core machine);
 *  2. the demo configuration used by the CPU training demo (preset demo: 192² or 256², ~15 cm).
 *
 * Timings include rendering, noise, DICOM encoding with dcmjs and label computation, but not
 * writing files. Prints medians and writes bench/results/phantom.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateStudy, type StudyOptions } from '@embolus/phantom';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

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
const tiny = time('128² × 40 slices of 3 mm', 10, (r) => ({ seed: 300 + r, preset: 'demo', matrix: 128, slices: 40, sliceThicknessMm: 3 }));

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'results');
mkdirSync(out, { recursive: true });
writeFileSync(
  path.join(out, 'phantom.json'),
  JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      full: { ...full, target_ms: 15000 },
      demo,
      small_128: tiny,
    },
    null,
    2,
  ) + '\n',
);
