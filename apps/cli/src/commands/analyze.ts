/**
 * `embolus analyze <series-dir|study-dir> [--model <dir>] [--json] [--cam-out <file.npy>]`:
 * runs the two-phase model on a study and prints a readable report or the JSON result.
 */
import { parseArgs } from 'node:util';
import { DEMO_MODEL_DIR, analyzeFolder, loadModel } from '@embolus/inference';
import { writeNpy } from '@embolus/preprocess/node';
import { DISPLAY_NAMES, STUDY_LABELS, UsageError, decisionsOf, type AnalysisResult } from '@embolus/shared';

const EXAM_LINE = {
  positive: 'PE-POSITIVE',
  negative: 'NEGATIVE for PE',
  indeterminate: 'INDETERMINATE',
  withheld: 'NON-DIAGNOSTIC, no decision',
} as const;

/**
 * The human-readable report of a result (from `embolus analyze` or from the API). Decisions come
 * from the result (`decisionsOf`: the decision procedure's, never thresholds re-applied here), the
 * window threshold included; probabilities are the model's own, which the decisions are made on.
 */
export function formatReport(r: AnalysisResult): string {
  const d = decisionsOf(r);
  const lines: string[] = [];
  // A non-diagnostic study says so before anything else, and shows no decision.
  const withheld = d.exam === 'withheld';
  if (withheld) lines.push(d.reason, '');
  lines.push('EMBOLUS — research software, NOT FOR CLINICAL USE', `model ${r.model.version} (${r.model.trainedOn})`, '');
  lines.push(...qualityLines(r), '');
  lines.push(`exam: ${EXAM_LINE[d.exam]} (${d.reason})`, '');
  lines.push(`label                      probability  threshold  ${withheld ? 'decision (withheld: non-diagnostic)' : 'decision'}`);
  const overridden = new Set(d.overrides.map((o) => o.label));
  for (const l of STUDY_LABELS) {
    const x = r.labels[l];
    if (!x) continue;
    const p = x.rawProbability ?? x.probability;
    // Where consistency repair moved a label, the repaired value is shown beside it.
    const repaired = Math.abs(p - x.probability) > 5e-4 ? `   (repaired ${x.probability.toFixed(3)})` : '';
    const decision = withheld ? 'withheld' : `${d.labels[l] ? 'POSITIVE' : '-'}${overridden.has(l) ? ' *' : ''}`;
    lines.push(
      (
        `${DISPLAY_NAMES[l].padEnd(26)} ${p.toFixed(3).padStart(11)}  ` +
        `${x.threshold.toFixed(2).padStart(9)}  ${decision.padEnd(10)}${repaired}`
      ).trimEnd(),
    );
  }
  if (d.overrides.length) {
    lines.push('* decided by an RSNA label rule, not by its threshold alone:');
    for (const o of d.overrides) lines.push(`  - ${o.message}`);
  }
  const positive = r.windows.filter((_, i) => d.windows[i]);
  const positiveList = positive.length
    ? positive.map((w) => `#${w.index} (${(w.rawProbability ?? w.probability).toFixed(2)})`).join(', ')
    : 'none';
  lines.push(
    '',
    withheld
      ? `windows: ${r.windows.length}; PE-positive: withheld (non-diagnostic)`
      : `windows: ${r.windows.length}; PE-positive (≥ ${d.windowThreshold}): ${positiveList}`,
  );
  if (r.consistency.violations.length) {
    lines.push(
      `consistency repair of the probabilities (at 0.5, for scoring): ${r.consistency.violations.length} rule(s) broken, ` +
        `repaired by changing ${r.consistency.changed.join(', ') || 'image-level values'}`,
    );
    for (const v of r.consistency.violations) lines.push(`  - ${v.message}`);
  } else lines.push('consistency: the probabilities obey all RSNA label rules at 0.5');
  if (!d.stored)
    lines.push(`note: this result predates stored decisions; they were recomputed with the default window threshold ${d.windowThreshold}`);
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  lines.push(
    `time: ${Object.entries(r.timings)
      .map(([k, v]) => `${k} ${v} ms`)
      .join(', ')}`,
  );
  return lines.join('\n');
}

/** The quality checks, one line each (results made before the gates have none). */
function qualityLines(r: AnalysisResult): string[] {
  if (!r.quality) return ['quality: not checked (result predates the study-quality gates)'];
  const head = r.quality.diagnostic ? 'quality: diagnostic (all checks passed)' : 'quality: NON-DIAGNOSTIC';
  return [head, ...r.quality.checks.map((c) => `  ${c.passed ? 'pass' : 'FAIL'}  ${c.code.padEnd(24)} ${c.message}`)];
}

/** Entry point of `embolus analyze`. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      json: { type: 'boolean', default: false },
      'cam-out': { type: 'string' },
      batch: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('usage: embolus analyze <series-dir|study-dir> [--model <dir>] [--json]');
  const batch = values.batch ? Number(values.batch) : undefined;
  if (batch !== undefined && !(Number.isInteger(batch) && batch > 0)) throw new UsageError('--batch takes a positive integer');
  const model = await loadModel(values.model ?? DEMO_MODEL_DIR);
  try {
    const a = await analyzeFolder(model, positionals[0]!, { ...(batch ? { batch } : {}), cam: values['cam-out'] !== undefined });
    if (values['cam-out'] && a.cam) await writeNpy(values['cam-out'], a.cam.data, a.cam.shape);
    process.stdout.write((values.json ? JSON.stringify(a.result, null, 2) : formatReport(a.result)) + '\n');
  } finally {
    await model.release();
  }
  return 0;
}
