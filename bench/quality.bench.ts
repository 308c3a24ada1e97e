/**
 * Study-quality gates: what they cost and how well the contrast gate agrees with the truth.
 * `npm run bench:quality [-- --studies N]` (default 80 phantoms for the agreement set).
 *
 * 1. Cost. On the real 30-slice chest CT, a 256-slice 512² phantom (full CTPA preset) and a few
 *    demo phantoms: preprocessing time (decode excluded: the volume is loaded once) beside the
 *    gates' own time (lung-coverage and pulmonary-artery measurements on the cropped volume, plus
 *    the acquisition checks), each the median of RUNS runs in this process.
 * 2. Agreement. The contrast gate against the phantom generator's contrast truth (qa_contrast:
 *    the poorly opacified indeterminate studies) on N demo phantoms: agreement, and the share of
 *    opacified studies that pass. Targets: ≥ 95% agreement, ≥ 99% of opacified studies passed.
 *
 * Prints medians and writes bench/results/quality.json.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { assembleVolume, chooseSeries, groupBySeries, planSeries, readDicomInfo, type Volume } from '@embolus/dicom';
import { loadStudyVolume } from '@embolus/dicom/node';
import { generateStudy, type StudyKind } from '@embolus/phantom';
import { lungAreas, measureLungCut, measurePulmonaryArtery, preprocess } from '@embolus/preprocess';
import { seriesAcquisition } from '@embolus/preprocess/node';
import { DEFAULT_ACQUISITION, PULMONARY_ARTERY_MIN_HU, acquisitionChecks, contrastCheck } from '@embolus/shared';
import { upperMedian as median, writeBenchResult } from '@embolus/local-stack/stats';

const RUNS = 5;
const here = import.meta.dirname;
const { values } = parseArgs({ args: process.argv.slice(2), options: { studies: { type: 'string', default: '80' } } });
const studies = Number(values.studies);

async function phantomVolume(
  seed: number,
  kind: StudyKind,
  extra: Record<string, unknown> = {},
): Promise<{ volume: Volume; poor: boolean; paHu: number }> {
  const study = generateStudy({ seed, preset: 'demo', kind, ...extra });
  const byName = new Map(study.files.map((f) => [f.sopInstanceUid, f.bytes]));
  const infos = study.files.map((f) => readDicomInfo(f.bytes, { source: f.sopInstanceUid }).info);
  const plan = chooseSeries([...groupBySeries(infos).values()].map(planSeries)).chosen;
  return {
    volume: await assembleVolume(plan, async (s) => byName.get(s)!),
    poor: study.labels.qa_contrast === 1,
    paHu: study.truth.anatomy.hu.pulmonaryArtery,
  };
}

/** Median preprocessing and gate times (ms) on one loaded volume. */
function cost(volume: Volume, facts: Parameters<typeof acquisitionChecks>[0]) {
  const pre: number[] = [],
    gates: number[] = [];
  let hu: number | undefined;
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    const res = preprocess(volume);
    hu = res.quality.pulmonaryArtery.hu;
    // preprocess() runs the measurements itself; take them out of its time and time them alone.
    pre.push(performance.now() - t0 - res.timings.qualityMeasures!);
    const t1 = performance.now();
    const areas = lungAreas(res.volume);
    measureLungCut(res.volume, areas);
    measurePulmonaryArtery(res.volume, {}, areas);
    acquisitionChecks(facts, DEFAULT_ACQUISITION);
    gates.push(performance.now() - t1);
  }
  return { preprocessMs: median(pre), gatesMs: median(gates), pulmonaryArteryHu: hu === undefined ? null : Math.round(hu) };
}

console.log(`node ${process.version}, ${os.cpus()[0]?.model}; medians of ${RUNS} runs per study`);
const costs: Record<string, { preprocessMs: number; gatesMs: number; share: number; pulmonaryArteryHu: number | null }> = {};
const addCost = (name: string, c: { preprocessMs: number; gatesMs: number; pulmonaryArteryHu: number | null }) => {
  costs[name] = { ...c, share: c.gatesMs / c.preprocessMs };
  console.log(
    `  ${name.padEnd(40)} preprocess ${c.preprocessMs.toFixed(0).padStart(6)} ms   gates ${c.gatesMs.toFixed(1).padStart(6)} ms   ` +
      `(${((100 * c.gatesMs) / c.preprocessMs).toFixed(1)}%)   trunk ${c.pulmonaryArteryHu ?? '—'} HU`,
  );
};
console.log('\ncost per study');
{
  const { choice, volume } = await loadStudyVolume(path.resolve(here, '../../shared/data/chest-ct'));
  const f = seriesAcquisition(choice.chosen, choice.reason);
  addCost('real chest CT 30 × 512² (8 mm)', cost(volume, { ...f, imageType: f.imageType ?? [] }));
}
{
  const dir = path.join(os.tmpdir(), 'embolus-bench-phantom-256x512');
  if (!existsSync(path.join(dir, 'phantom-manifest.json'))) {
    const { writeDataset } = await import('@embolus/phantom');
    process.stderr.write('generating a 256-slice 512² phantom…\n');
    await writeDataset({ out: dir, studies: 1, seed: 256, positiveRate: 1, study: { preset: 'full', matrix: 512, slices: 256 } });
  }
  const { choice, volume } = await loadStudyVolume(dir);
  const f = seriesAcquisition(choice.chosen, choice.reason);
  addCost('phantom 256 × 512² (full CTPA preset)', cost(volume, { ...f, imageType: f.imageType ?? [] }));
}
for (let i = 0; i < 3; i++) {
  const { volume } = await phantomVolume(900 + i, 'negative');
  addCost(
    `demo phantom #${i} (${volume.shape.join(' × ')})`,
    cost(volume, {
      slices: volume.shape[0],
      sliceThicknessMm: volume.spacing[0],
      sliceSpacingMm: volume.spacing[0],
      imageType: ['ORIGINAL', 'PRIMARY', 'AXIAL'],
      obliquityDeg: 0,
    }),
  );
}
const medianGates = median(Object.values(costs).map((c) => c.gatesMs));
const medianPre = median(Object.values(costs).map((c) => c.preprocessMs));
console.log(`  median over studies: gates ${medianGates.toFixed(1)} ms beside preprocessing ${medianPre.toFixed(0)} ms`);

// Agreement: 40% indeterminate (about half of them poorly opacified), the rest negative or positive.
console.log(`\ncontrast gate vs phantom contrast truth, ${studies} demo phantoms`);
let agree = 0,
  opacified = 0,
  opacifiedPassed = 0,
  poor = 0,
  poorFailed = 0;
const misses: { seed: number; poor: boolean; truthHu: number; measuredHu: number | null }[] = [];
for (let i = 0; i < studies; i++) {
  const kind: StudyKind = i % 5 < 2 ? 'indeterminate' : i % 5 === 2 ? 'positive' : 'negative';
  const seed = 5000 + i;
  const { volume, poor: truthPoor, paHu } = await phantomVolume(seed, kind);
  const pa = preprocess(volume).quality.pulmonaryArtery;
  const passed = contrastCheck(pa.hu, PULMONARY_ARTERY_MIN_HU).passed;
  if (passed !== truthPoor) agree++;
  else misses.push({ seed, poor: truthPoor, truthHu: Math.round(paHu), measuredHu: pa.hu === undefined ? null : Math.round(pa.hu) });
  if (truthPoor) poor++, !passed && poorFailed++;
  else opacified++, passed && opacifiedPassed++;
  if ((i + 1) % 10 === 0) process.stderr.write(`  ${i + 1}/${studies}\n`);
}
const agreement = agree / studies;
console.log(
  `  agreement ${agree}/${studies} (${(100 * agreement).toFixed(1)}%); ` +
    `opacified passed ${opacifiedPassed}/${opacified} (${((100 * opacifiedPassed) / opacified).toFixed(1)}%); ` +
    `poor contrast flagged ${poorFailed}/${poor}`,
);
for (const m of misses)
  console.log(`  miss: seed ${m.seed}, ${m.poor ? 'poor' : 'opacified'}, truth ${m.truthHu} HU, measured ${m.measuredHu ?? '—'} HU`);

writeBenchResult('quality', {
  date: new Date().toISOString(),
  node: process.version,
  cpu: os.cpus()[0]?.model,
  runs: RUNS,
  cost: { perStudy: costs, medianGatesMs: medianGates, medianPreprocessMs: medianPre },
  agreement: { studies, agree, agreement, opacified, opacifiedPassed, poor, poorFailed, limitHu: PULMONARY_ARTERY_MIN_HU, misses },
});
