/**
 * Joining parsed prediction and label CSVs into per-label arrays and per-study inputs of the
 * competition's weighted log loss.
 */
import { IMAGE_LABEL, isStudyLabel, type Label, type StudyLabel } from '@embolus/shared';
import type { EvalCsv } from './eval-csv';
import { MetricsError } from './errors';
import type { StudyLogLossInput } from './log-loss';

/** Truths and probabilities of one label, in predictions-file order. */
export interface LabelColumn {
  readonly ids: string[];
  readonly truth: number[];
  readonly probability: number[];
}

/** Predictions matched with their labels. */
export interface EvalDataset {
  /** Per label present in the predictions. */
  readonly byLabel: Map<Label, LabelColumn>;
  /** Per study, the inputs of {@link weightedLogLoss}. */
  readonly studies: StudyLogLossInput[];
  /** Image rows left out of the weighted log loss because no file named their study. */
  readonly imagesWithoutStudy: number;
  /** Label rows that had no prediction (ignored). */
  readonly unmatchedLabels: number;
}

/**
 * Matches every prediction with its label row by (id, label).
 *
 * @throws MetricsError MISSING_LABEL naming the predictions file and line of a prediction whose
 *   (id, label) is not in the labels file.
 */
export function joinEvalCsvs(predictions: EvalCsv, labels: EvalCsv): EvalDataset {
  const truthOf = new Map<string, { value: number; study?: string }>();
  for (const r of labels.rows)
    truthOf.set(`${r.label}\u0000${r.id}`, r.study === undefined ? { value: r.value } : { value: r.value, study: r.study });
  const byLabel = new Map<Label, LabelColumn>();
  const studyLabels = new Map<string, Partial<Record<StudyLabel, { truth: number; probability: number }>>>();
  const images = new Map<string, { truth: number[]; probability: number[] }>();
  let imagesWithoutStudy = 0;
  for (const p of predictions.rows) {
    const t = truthOf.get(`${p.label}\u0000${p.id}`);
    if (t === undefined) {
      throw new MetricsError('MISSING_LABEL', `${predictions.file}:${p.line}: id '${p.id}' (${p.label}) has no label in ${labels.file}`, {
        details: { file: predictions.file, line: p.line, id: p.id, label: p.label },
      });
    }
    let column = byLabel.get(p.label);
    if (column === undefined) byLabel.set(p.label, (column = { ids: [], truth: [], probability: [] }));
    column.ids.push(p.id);
    column.truth.push(t.value);
    column.probability.push(p.value);
    if (isStudyLabel(p.label)) {
      let s = studyLabels.get(p.id);
      if (s === undefined) studyLabels.set(p.id, (s = {}));
      s[p.label] = { truth: t.value, probability: p.value };
    } else if (p.label === IMAGE_LABEL) {
      const study = t.study ?? p.study;
      if (study === undefined) {
        imagesWithoutStudy++;
        continue;
      }
      let im = images.get(study);
      if (im === undefined) images.set(study, (im = { truth: [], probability: [] }));
      im.truth.push(t.value);
      im.probability.push(p.value);
    }
  }
  const studies: StudyLogLossInput[] = [];
  for (const uid of new Set([...studyLabels.keys(), ...images.keys()])) {
    const s = studyLabels.get(uid);
    const im = images.get(uid);
    studies.push({ ...(s ? { studyLabels: s } : {}), ...(im ? { images: im } : {}) });
  }
  return { byLabel, studies, imagesWithoutStudy, unmatchedLabels: labels.rows.length - predictions.rows.length };
}
