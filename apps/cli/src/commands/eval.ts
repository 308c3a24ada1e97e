/**
 * `embolus eval`: per-label AUROC with its DeLong 95% CI, decision threshold, sensitivity and
 * specificity, plus the RSNA-STR weighted log loss, from prediction and label CSVs.
 *
 *   embolus eval --predictions <csv> --labels <csv>
 *                [--thresholds-from <val-predictions-csv> --val-labels <csv>] [--json] [--plots <dir>]
 *
 * Without --thresholds-from the paper's default thresholds are used; with it, each label's
 * threshold maximises min(sensitivity, specificity) on the validation files.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  MetricsError,
  joinEvalCsvs,
  operatingPointAt,
  parseEvalCsv,
  rocChartSvg,
  rocCurve,
  scoreLabel,
  selectThreshold,
  thresholdChartSvg,
  thresholdCurve,
  weightedLogLoss,
  type EvalCsvKind,
  type EvalDataset,
} from '@embolus/metrics';
import { ALL_LABELS, DEFAULT_THRESHOLDS, DISPLAY_NAMES, UsageError, type Label } from '@embolus/shared';

const USAGE =
  'usage: embolus eval --predictions <csv> --labels <csv> ' +
  '[--thresholds-from <val-predictions-csv> --val-labels <csv>] [--json] [--plots <dir>]';

interface EvalArgs {
  predictions: string;
  labels: string;
  thresholdsFrom?: string;
  valLabels?: string;
  json: boolean;
  plots?: string;
}

/** One label's row of the report; null where the statistic is undefined (e.g. a single class). */
interface LabelReport {
  n: number;
  positives: number;
  auroc: number | null;
  ci: [number, number] | null;
  threshold: number;
  sensitivity: number | null;
  specificity: number | null;
}

type PathOption = 'predictions' | 'labels' | 'thresholdsFrom' | 'valLabels' | 'plots';

const VALUE_FLAGS: Record<string, PathOption> = {
  '--predictions': 'predictions',
  '--labels': 'labels',
  '--thresholds-from': 'thresholdsFrom',
  '--val-labels': 'valLabels',
  '--plots': 'plots',
};

function parseArgs(argv: string[]): EvalArgs | 'help' {
  const out: Partial<Record<PathOption, string>> = {};
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--json') {
      json = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const key = VALUE_FLAGS[flag];
    if (key === undefined) throw new UsageError(`unknown argument '${arg}'\n${USAGE}`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value\n${USAGE}`);
    out[key] = value;
  }
  const { predictions, labels, ...rest } = out;
  if (!predictions || !labels) throw new UsageError(`--predictions and --labels are required\n${USAGE}`);
  if ((rest.thresholdsFrom === undefined) !== (rest.valLabels === undefined)) {
    throw new UsageError(`--thresholds-from and --val-labels go together\n${USAGE}`);
  }
  return { predictions, labels, json, ...rest };
}

async function readCsv(file: string, kind: EvalCsvKind) {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    throw new MetricsError('INVALID_INPUT', `cannot read ${kind} file ${file} (${reason})`, { cause: e, details: { file } });
  }
  return parseEvalCsv(text, file, kind);
}

async function loadDataset(predictions: string, labels: string): Promise<EvalDataset> {
  const [p, l] = await Promise.all([readCsv(predictions, 'predictions'), readCsv(labels, 'labels')]);
  return joinEvalCsvs(p, l);
}

/** Thresholds per label: max min(sens, spec) on validation data where possible, else the paper's. */
function chooseThresholds(val: EvalDataset | undefined, warn: (m: string) => void): Record<Label, number> {
  const out: Record<Label, number> = { ...DEFAULT_THRESHOLDS };
  if (!val) return out;
  for (const label of ALL_LABELS) {
    const col = val.byLabel.get(label);
    if (!col) continue;
    try {
      out[label] = selectThreshold(col.probability, col.truth, 'max-min-sens-spec').threshold;
    } catch (e) {
      if (!(e instanceof MetricsError && e.code === 'INSUFFICIENT_DATA')) throw e;
      warn(`${label}: validation data has a single class; using the default threshold ${DEFAULT_THRESHOLDS[label]}`);
    }
  }
  return out;
}

const finiteOrNull = (v: number): number | null => (Number.isFinite(v) ? v : null);

function reportLabel(truth: number[], probability: number[], threshold: number): LabelReport {
  const { n, positives, auroc, ci } = scoreLabel(probability, truth, { aurocFromOneEach: true });
  const op = operatingPointAt(probability, truth, threshold);
  return { n, positives, auroc, ci, threshold, sensitivity: finiteOrNull(op.sensitivity), specificity: finiteOrNull(op.specificity) };
}

async function writePlots(
  dir: string,
  data: EvalDataset,
  reports: Partial<Record<Label, LabelReport>>,
  warn: (m: string) => void,
): Promise<number> {
  await mkdir(dir, { recursive: true });
  let written = 0;
  for (const [label, col] of data.byLabel) {
    const r = reports[label];
    if (!r || r.positives === 0 || r.positives === r.n) {
      warn(`${label}: a single class, no charts`);
      continue;
    }
    const roc = rocCurve(col.probability, col.truth);
    const curve = thresholdCurve(col.probability, col.truth);
    const title = DISPLAY_NAMES[label];
    const op = r.sensitivity !== null && r.specificity !== null ? { sensitivity: r.sensitivity, specificity: r.specificity } : undefined;
    await writeFile(
      path.join(dir, `roc-${label}.svg`),
      rocChartSvg({
        title: `${title}: ROC`,
        fpr: roc.fpr,
        tpr: roc.tpr,
        ...(r.auroc !== null ? { auroc: r.auroc } : {}),
        ...(r.ci ? { ci: r.ci } : {}),
        ...(op ? { operatingPoint: op } : {}),
      }),
    );
    await writeFile(
      path.join(dir, `sens-spec-${label}.svg`),
      thresholdChartSvg({
        title: `${title}: sensitivity and specificity`,
        thresholds: curve.thresholds,
        sensitivity: curve.sensitivity,
        specificity: curve.specificity,
        threshold: r.threshold,
      }),
    );
    written += 2;
  }
  return written;
}

const fmt = (v: number | null, digits = 3) => (v === null ? '—' : v.toFixed(digits));

function table(reports: Partial<Record<Label, LabelReport>>, loss: number | null, thresholdSource: string): string {
  const head = ['label', 'n', 'pos', 'AUROC', '95% CI', 'threshold', 'sens', 'spec'];
  const rows = Object.entries(reports).map(([label, r]) => [
    label,
    String(r.n),
    String(r.positives),
    fmt(r.auroc),
    r.ci ? `${fmt(r.ci[0])}–${fmt(r.ci[1])}` : '—',
    String(r.threshold),
    fmt(r.sensitivity),
    fmt(r.specificity),
  ]);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (cells: string[]) =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number))).join('  ');
  return [
    line(head),
    ...rows.map(line),
    '',
    `weighted log loss: ${loss === null ? '— (no weighted rows)' : loss.toFixed(4)}`,
    `thresholds: ${thresholdSource}`,
    'Research software: not for clinical use.',
  ].join('\n');
}

/** Runs `embolus eval`; returns the exit code. */
export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args === 'help') {
    process.stderr.write(USAGE + '\n');
    return 0;
  }
  const warn = (m: string) => process.stderr.write(`warning: ${m}\n`);
  const [data, val] = await Promise.all([
    loadDataset(args.predictions, args.labels),
    args.thresholdsFrom && args.valLabels ? loadDataset(args.thresholdsFrom, args.valLabels) : Promise.resolve(undefined),
  ]);
  const thresholds = chooseThresholds(val, warn);
  const reports: Partial<Record<Label, LabelReport>> = {};
  for (const label of ALL_LABELS) {
    const col = data.byLabel.get(label);
    if (col) reports[label] = reportLabel(col.truth, col.probability, thresholds[label]);
  }
  if (data.imagesWithoutStudy > 0) warn(`${data.imagesWithoutStudy} image rows name no study and are left out of the weighted log loss`);
  if (data.unmatchedLabels > 0) warn(`${data.unmatchedLabels} label rows have no prediction and are ignored`);
  let loss: number | null = null;
  try {
    loss = weightedLogLoss(data.studies).loss;
  } catch (e) {
    if (!(e instanceof MetricsError && e.code === 'INSUFFICIENT_DATA')) throw e;
  }
  if (args.json) {
    process.stdout.write(JSON.stringify({ labels: reports, weighted_log_loss: loss }) + '\n');
  } else {
    const source = args.thresholdsFrom ? `max min(sens, spec) on ${args.thresholdsFrom}` : 'paper defaults (Ma et al., Table 2)';
    process.stdout.write(table(reports, loss, source) + '\n');
  }
  if (args.plots) {
    const n = await writePlots(args.plots, data, reports, warn);
    process.stderr.write(`wrote ${n} SVG charts to ${args.plots}\n`);
  }
  return 0;
}
