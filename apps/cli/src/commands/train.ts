/**
 * `embolus train demo [...]`: phantoms → cache → phase 1 → features → phase 2 → export →
 * evaluation on held-out phantoms through the serving path, writing models/demo.
 * `embolus train <module> [args…]`: runs one trainer module (phase1, extract, phase2, export,
 * evaluate, pipeline) with progress, e.g. `embolus train pipeline --cache c --out m --config paper`.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_MODEL_DIR, loadModel } from '@embolus/inference';
import { writeDataset } from '@embolus/phantom';
import { buildCache, defaultCacheWorkers } from '@embolus/preprocess/node';
import { ALL_LABELS, DISPLAY_NAMES, MODEL_FILES, UsageError } from '@embolus/shared';
import { evaluateOnPhantoms, type DemoEvaluation } from '../demo-evaluation';
import { progressBar } from '../progress';
import { runTrainerModule } from '@embolus/trainer';

const MODULES: Record<string, string> = {
  phase1: 'train_phase1',
  extract: 'extract',
  phase2: 'train_phase2',
  export: 'export',
  evaluate: 'evaluate',
  pipeline: 'pipeline',
};

function logEpoch(line: Record<string, unknown>): void {
  const parts = Object.entries(line).map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toFixed(4)) : JSON.stringify(v)}`);
  process.stderr.write(`trainer: ${parts.join(' ')}\n`);
}

function evaluationMarkdown(e: DemoEvaluation, trainedOn: string): string {
  const rows = ALL_LABELS.map((l) => {
    const a = e.aurocs[l];
    const auroc = a.auroc === null ? 'n/a (one class)' : a.auroc.toFixed(4);
    const ci = a.ci ? `${a.ci[0].toFixed(3)}–${a.ci[1].toFixed(3)}` : '–';
    return `| ${DISPLAY_NAMES[l]} | ${a.n} | ${a.positives} | ${auroc} | ${ci} |`;
  });
  return [
    '# Demo model: evaluation on held-out synthetic phantoms',
    '',
    '**Trained on synthetic phantoms only. Research software, NOT for clinical use.** These numbers say',
    'the pipeline learns what the phantom generator draws; they say nothing about real patients.',
    '',
    `Training data: ${trainedOn}`,
    '',
    `Held-out: ${e.studies} phantom studies never seen in training (${e.windows} windows), run through the`,
    `serving path (TypeScript preprocessing + ONNX Runtime), ${e.msPerStudy.toFixed(0)} ms per study on this CPU.`,
    '',
    '| label | n | positives | AUROC | DeLong 95% CI |',
    '|---|---|---|---|---|',
    ...rows,
    '',
    'Reproduce: `npm run train:demo`.',
    '',
  ].join('\n');
}

/**
 * The demo model's training data, described portably: what and how much, never where it lay on
 * the machine that trained it (every result quotes it).
 */
export function demoTrainedOn(o: {
  studies: number;
  seed: number;
  twins: number;
  splits: Record<string, { studies: number; windows: number }>;
}): string {
  const total = Object.values(o.splits).reduce((n, v) => n + v.studies, 0);
  const split = Object.entries(o.splits)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v.studies} studies / ${v.windows} windows`)
    .join(', ');
  return (
    `SYNTHETIC phantoms: ${o.studies} drawn (demo preset, seed ${o.seed}) ` +
    `plus an embolus-free twin of each of the ${o.twins} positive ones (${total} studies); split ${split}`
  );
}

/**
 * The cache resumes from its index, so studies of an earlier demo run with other options (another
 * seed, count or phantom set) would silently join this one's training data: refuse instead.
 */
async function refuseForeignCache(cache: string, studies: ReadonlySet<string>): Promise<void> {
  const index = path.join(cache, 'index.jsonl');
  if (!existsSync(index)) return;
  const lines = (await readFile(index, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const foreign = lines.filter((l) => !studies.has((JSON.parse(l) as { study: string }).study)).length;
  if (foreign > 0) {
    throw new UsageError(
      `${cache} holds ${foreign} studies that are not in this phantom set (an earlier run with other options); ` +
        `delete ${path.dirname(cache)} or pass another --work`,
    );
  }
}

async function demo(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      work: { type: 'string', default: 'data/demo' },
      out: { type: 'string', default: DEMO_MODEL_DIR },
      studies: { type: 'string', default: '160' },
      'test-studies': { type: 'string', default: '120' },
      seed: { type: 'string', default: '7' },
      config: { type: 'string', default: 'demo' },
      'epochs-phase1': { type: 'string' },
      'epochs-phase2': { type: 'string' },
    },
  });
  const int = (k: string, v: string | undefined) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${k} takes a positive integer`);
    return n;
  };
  const work = path.resolve(values.work!);
  const seed = int('seed', values.seed);
  const started = performance.now();
  const stage = (s: string) => process.stderr.write(`\n== ${s} (${((performance.now() - started) / 60000).toFixed(1)} min)\n`);

  stage('1/5 phantoms for training');
  let bar = progressBar('phantoms');
  // Every positive training phantom comes with its embolus-free twin (same patient and scan, no
  // clot): 160 drawn studies + ~80 twins. Twins share a split, and pairs.json tells the trainer
  // (the 'demo' config samples 3/4 of each phase-1 batch as twin pairs).
  const train = await writeDataset({
    out: path.join(work, 'phantoms-train'),
    studies: int('studies', values.studies),
    seed,
    twins: true,
    rsnaLayout: true,
    study: { preset: 'demo' },
    onProgress: (d, t) => bar(d, t),
  });
  const cache = path.join(work, 'cache');
  await refuseForeignCache(cache, new Set(train.studies.map((s) => s.studyInstanceUid)));
  stage('2/5 training cache (TypeScript preprocessing)');
  bar = progressBar('cache');
  const twins = train.studies.flatMap((s) => (s.twinOf ? [[s.twinOf, s.studyInstanceUid] as const] : []));
  const built = await buildCache(train.out, cache, {
    split: [0.8, 0.15, 0.05],
    splitWith: new Map(twins.map(([p, t]) => [t, p])),
    workers: defaultCacheWorkers(),
    onProgress: (p) => bar(p.done, p.total),
  });
  const cached = new Set(built.index.map((l) => l.study));
  await writeFile(
    path.join(cache, 'pairs.json'),
    JSON.stringify({
      note: 'phantom twins: [positive study, its embolus-free twin]',
      pairs: twins.filter((p) => p.every((u) => cached.has(u))),
    }),
  );
  stage('3/5 trainer: phase 1 → features → phase 2 → export');
  const modelWork = path.join(work, 'model');
  const extra = [
    ...(values['epochs-phase1'] ? ['--epochs-phase1', values['epochs-phase1']] : []),
    ...(values['epochs-phase2'] ? ['--epochs-phase2', values['epochs-phase2']] : []),
  ];
  await runTrainerModule('pipeline', ['--cache', cache, '--out', modelWork, '--config', values.config!, ...extra], logEpoch);
  stage('4/5 held-out phantoms');
  bar = progressBar('phantoms');
  const test = await writeDataset({
    out: path.join(work, 'phantoms-test'),
    studies: int('test-studies', values['test-studies']),
    seed: seed + 1000,
    rsnaLayout: true,
    study: { preset: 'demo' },
    onProgress: (d, t) => bar(d, t),
  });
  stage('5/5 evaluation through the serving path');
  const out = path.resolve(values.out!);
  await mkdir(out, { recursive: true });
  for (const f of MODEL_FILES) await copyFile(path.join(modelWork, f), path.join(out, f));
  // What the demo recipe trained on, for the study-quality gates (before evaluation, which uses them).
  const exported = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(path.join(out, 'manifest.json'), JSON.stringify({ ...exported, acquisition: DEMO_ACQUISITION }, null, 1));
  const model = await loadModel(out, { executionProvider: 'cpu' });
  bar = progressBar('evaluate');
  const evaluation = await evaluateOnPhantoms(model, test, (d, t) => bar(d, t));
  await model.release();
  const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as Record<string, unknown> & {
    trainingData?: { splits?: Record<string, { studies: number; windows: number }> };
  };
  manifest.trainedOn = demoTrainedOn({
    studies: int('studies', values.studies),
    seed,
    twins: twins.length,
    splits: manifest.trainingData?.splits ?? {},
  });
  manifest.heldOutEvaluation = evaluation;
  await writeFile(path.join(out, 'manifest.json'), JSON.stringify(manifest, null, 1));
  await writeFile(path.join(out, 'evaluation.json'), JSON.stringify(evaluation, null, 2));
  await writeFile(path.join(out, 'EVALUATION.md'), evaluationMarkdown(evaluation, String(manifest.trainedOn)));
  process.stderr.write(`\ndone in ${((performance.now() - started) / 60000).toFixed(1)} min; model in ${out}\n`);
  for (const l of ALL_LABELS)
    process.stderr.write(`  ${DISPLAY_NAMES[l].padEnd(24)} AUROC ${evaluation.aurocs[l].auroc?.toFixed(4) ?? 'n/a'}\n`);
  return 0;
}

/**
 * The acquisition range of a model trained by the demo recipe (models/demo/manifest.json holds the
 * same): demo-preset phantoms are contiguous 2 or 2.5 mm slices over 14–17 cm slabs.
 */
export const DEMO_ACQUISITION = {
  trainedOn: {
    sliceThicknessMm: [2, 2.5],
    sliceSpacingMm: [2, 2.5],
    note: 'demo-preset phantoms: contiguous 2 or 2.5 mm slices, 14-17 cm slabs centred on the pulmonary arteries, 192 or 256 matrix',
  },
  sliceThicknessMm: { min: 0.5, max: 3 },
  sliceSpacingMm: { min: 0.5, max: 3 },
  minSlices: 40,
  maxLungCutFraction: null,
  maxObliquityDeg: 30,
  minPulmonaryArteryHu: 250,
  why: [
    'Thinner slices than trained are supported because preprocessing resamples to 1 mm;',
    'thicker than 3 mm is not (the model never saw them).',
    'Lung coverage is measured but not required: the model was trained on slabs that never cover the whole lungs.',
    '250 HU: see PULMONARY_ARTERY_MIN_HU in packages/shared/src/quality.ts.',
  ].join(' '),
};

/** Entry point of `embolus train`. */
export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'demo') return demo(rest);
  const module = sub ? MODULES[sub] : undefined;
  if (!module) throw new UsageError(`train takes 'demo' or one of ${Object.keys(MODULES).join(', ')}`);
  await runTrainerModule(module, rest, logEpoch);
  return 0;
}
