/**
 * `embolus analyze <series-dir|study-dir> [--model <dir>] [--json] [--cam-out <file.npy>]`:
 * runs the two-phase model on a study and prints a readable report or the JSON result.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { analyzeFolder, loadModel } from '@embolus/inference';
import { writeNpy } from '@embolus/preprocess/node';
import { DISPLAY_NAMES, STUDY_LABELS, type AnalysisResult } from '@embolus/shared';
import { UsageError } from '../cli';

/** The model shipped in the repository (trained on synthetic phantoms; not for clinical use). */
export const DEMO_MODEL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../models/demo');

/** The human-readable report of a result (from `embolus analyze` or from the API). */
export function formatReport(r: AnalysisResult): string {
  const lines: string[] = [];
  // A non-diagnostic study says so before anything else, and shows no decision.
  const withheld = r.quality?.diagnostic === false;
  if (withheld) lines.push(r.quality!.reason ?? 'Non-diagnostic', '');
  lines.push('EMBOLUS — research software, NOT FOR CLINICAL USE', `model ${r.model.version} (${r.model.trainedOn})`, '');
  lines.push(...qualityLines(r), '');
  lines.push(`label                      probability  threshold  ${withheld ? 'decision (withheld: non-diagnostic)' : 'decision'}`);
  for (const l of STUDY_LABELS) {
    const x = r.labels[l];
    if (!x) continue;
    // Where consistency repair moved a label, the model's own value is shown beside it.
    const raw = x.rawProbability !== undefined && Math.abs(x.rawProbability - x.probability) > 5e-4 ? `   (model ${x.rawProbability.toFixed(3)}, repaired)` : '';
    lines.push(`${DISPLAY_NAMES[l].padEnd(26)} ${x.probability.toFixed(3).padStart(11)}  ${x.threshold.toFixed(2).padStart(9)}  ${(withheld ? 'withheld' : x.decision ? 'POSITIVE' : '-').padEnd(8)}${raw}`.trimEnd());
  }
  const threshold = 0.15;
  const positive = r.windows.filter((w) => w.probability >= threshold);
  lines.push('', withheld ? `windows: ${r.windows.length}; PE-positive: withheld (non-diagnostic)` : `windows: ${r.windows.length}; PE-positive (≥ ${threshold}): ${positive.length ? positive.map((w) => `#${w.index} (${w.probability.toFixed(2)})`).join(', ') : 'none'}`);
  if (r.consistency.violations.length) {
    lines.push(`consistency: ${r.consistency.violations.length} rule(s) broken, repaired by changing ${r.consistency.changed.join(', ') || 'image-level values'}`);
    for (const v of r.consistency.violations) lines.push(`  - ${v.message}`);
  } else lines.push('consistency: all RSNA label rules hold');
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  lines.push(`time: ${Object.entries(r.timings).map(([k, v]) => `${k} ${v} ms`).join(', ')}`);
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
    options: { model: { type: 'string' }, json: { type: 'boolean', default: false }, 'cam-out': { type: 'string' }, batch: { type: 'string' } },
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
