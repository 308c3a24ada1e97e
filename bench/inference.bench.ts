/**
 * Phase-1 CPU inference speed, ONNX Runtime (the project's path) against PyTorch eager on the
 * same network and machine, in one run: `npm run bench:inference`.
 *
 * The paper configuration (3-D ResNet-18, width 64, D = 512) with random weights is exported by
 * bench/inference_torch.py, which also times PyTorch. This script then times onnxruntime-node
 * at batch 1 and 8 with several session settings. Prints medians (ms per window) and writes
 * bench/results/inference.json. Target: ORT ≥ 1.3× faster than PyTorch eager.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { pythonExecutable } from '@embolus/trainer';
import { upperMedian as median, writeBenchResult } from '@embolus/local-stack/stats';

const RUNS = 3;
const here = import.meta.dirname;
const out = path.join(os.tmpdir(), 'embolus-bench-inference');
const width = Number(process.env.EMBOLUS_BENCH_WIDTH ?? 64);

const torchJson = JSON.parse(
  execFileSync(
    pythonExecutable(),
    [path.join(here, 'inference_torch.py'), '--out', out, '--width', String(width), '--runs', String(RUNS)],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  ),
) as { onnx: string; int8: string; torch: string; msPerWindow: Record<string, { median: number }> };

const variants: { name: string; file?: string; options: ort.InferenceSession.SessionOptions }[] = [
  { name: 'ORT all-opt, 2 intra threads', options: { graphOptimizationLevel: 'all', intraOpNumThreads: 2, interOpNumThreads: 1 } },
  { name: 'ORT basic-opt, 2 intra threads', options: { graphOptimizationLevel: 'basic', intraOpNumThreads: 2, interOpNumThreads: 1 } },
  { name: 'ORT all-opt, 1 intra thread', options: { graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1 } },
  // Static int8 (QDQ, per-channel weights) from embolus_trainer.quantize: ORT fuses it into int8 convolutions.
  {
    name: 'ORT int8 QDQ, all-opt, 2 threads',
    file: torchJson.int8,
    options: { graphOptimizationLevel: 'all', intraOpNumThreads: 2, interOpNumThreads: 1 },
  },
];

const results: Record<string, Record<string, number>> = {
  [`PyTorch ${torchJson.torch} eager, 2 threads`]: { '1': torchJson.msPerWindow['1']!.median, '8': torchJson.msPerWindow['8']!.median },
};
for (const v of variants) {
  const session = await ort.InferenceSession.create(v.file ?? torchJson.onnx, { executionProviders: ['cpu'], ...v.options });
  results[v.name] = {};
  for (const batch of [1, 8]) {
    const x = new ort.Tensor(
      'float32',
      Float32Array.from({ length: batch * 3 * 10 * 192 * 192 }, () => Math.random()),
      [batch, 3, 10, 192, 192],
    );
    await session.run({ input: x });
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      await session.run({ input: x });
      times.push((performance.now() - t0) / batch);
    }
    results[v.name]![String(batch)] = median(times);
  }
  await session.release();
}
console.log(`\nphase 1, width ${width}, ms per window (median of ${RUNS}); ${os.cpus()[0]?.model}, ${os.cpus().length} cores`);
console.log(`${'path'.padEnd(40)} ${'batch 1'.padStart(9)} ${'batch 8'.padStart(9)}`);
for (const [name, r] of Object.entries(results))
  console.log(`${name.padEnd(40)} ${r['1']!.toFixed(0).padStart(9)} ${r['8']!.toFixed(0).padStart(9)}`);
const torchBest = Math.min(results[Object.keys(results)[0]!]!['1']!, results[Object.keys(results)[0]!]!['8']!);
const ortBest = Math.min(...variants.flatMap((v) => [results[v.name]!['1']!, results[v.name]!['8']!]));
const fp32Batch8 = Math.min(...variants.filter((v) => !v.file).map((v) => results[v.name]!['8']!));
const torchBatch8 = results[Object.keys(results)[0]!]!['8']!;
console.log(
  `\nbest ORT ${ortBest.toFixed(0)} ms/window vs best PyTorch ${torchBest.toFixed(0)} ms/window: ${(torchBest / ortBest).toFixed(2)}× ` +
    `(batch 8: fp32 ORT ${(torchBatch8 / fp32Batch8).toFixed(2)}×, ` +
    `int8 ORT ${(torchBatch8 / results[variants[variants.length - 1]!.name]!['8']!).toFixed(2)}×)`,
);
writeBenchResult('inference', {
  date: new Date().toISOString(),
  cpu: os.cpus()[0]?.model,
  cores: os.cpus().length,
  width,
  runs: RUNS,
  msPerWindow: results,
  speedupBestVsBest: torchBest / ortBest,
});
