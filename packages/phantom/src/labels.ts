/**
 * RSNA-STR PE labels of a phantom study, derived from its ground truth so they always satisfy
 * the competition's consistency rules.
 */
import { STUDY_LABELS, type StudyLabel } from '@embolus/shared';
import type { Chronicity, Embolus } from './emboli';
import type { StudyKind } from './options';

/** The extra RSNA-STR columns that are not model targets. */
export type QaLabel = 'qa_motion' | 'qa_contrast' | 'flow_artifact' | 'true_filling_defect_not_pe';

/** Study-level labels: the nine targets plus the RSNA quality columns. */
export type PhantomLabels = Record<StudyLabel | QaLabel, 0 | 1>;

/** The slice-level label of one image. */
export interface SliceLabel {
  sopInstanceUid: string;
  pe_present_on_image: 0 | 1;
}

/** Column order of the RSNA-STR `train.csv`. */
export const RSNA_COLUMNS = [
  'StudyInstanceUID',
  'SeriesInstanceUID',
  'SOPInstanceUID',
  'pe_present_on_image',
  'negative_exam_for_pe',
  'qa_motion',
  'qa_contrast',
  'flow_artifact',
  'rv_lv_ratio_gte_1',
  'rv_lv_ratio_lt_1',
  'leftsided_pe',
  'chronic_pe',
  'true_filling_defect_not_pe',
  'rightsided_pe',
  'acute_and_chronic_pe',
  'central_pe',
  'indeterminate',
] as const;

/** Chronicity as the emboli actually placed show it. */
export function chronicityOf(emboli: readonly Embolus[]): Chronicity {
  const chronic = emboli.some((e) => e.chronic);
  const acute = emboli.some((e) => !e.chronic);
  return chronic && acute ? 'acute_and_chronic' : chronic ? 'chronic' : 'acute';
}

/**
 * Study labels. Negative: only negative_exam_for_pe. Indeterminate: indeterminate plus the QA
 * flag that made it so. Positive: locations from the emboli, one RV/LV label from the heart,
 * chronic or acute-and-chronic (never both) from the emboli's ages.
 */
export function studyLabels(
  kind: StudyKind,
  emboli: readonly Embolus[],
  rvLvRatio: number,
  qa: { motion: boolean; contrast: boolean },
): PhantomLabels {
  const labels = Object.fromEntries(STUDY_LABELS.map((l) => [l, 0])) as Record<StudyLabel, 0 | 1>;
  const out: PhantomLabels = { ...labels, qa_motion: 0, qa_contrast: 0, flow_artifact: 0, true_filling_defect_not_pe: 0 };
  const bit = (b: boolean): 0 | 1 => (b ? 1 : 0);
  if (kind === 'negative') out.negative_exam_for_pe = 1;
  if (kind === 'indeterminate') {
    out.indeterminate = 1;
    out.qa_motion = bit(qa.motion);
    out.qa_contrast = bit(qa.contrast);
  }
  if (kind === 'positive') {
    out.central_pe = bit(emboli.some((e) => e.location === 'central'));
    out.leftsided_pe = bit(emboli.some((e) => e.location === 'left'));
    out.rightsided_pe = bit(emboli.some((e) => e.location === 'right'));
    const c = chronicityOf(emboli);
    out.chronic_pe = bit(c === 'chronic');
    out.acute_and_chronic_pe = bit(c === 'acute_and_chronic');
    out.rv_lv_ratio_gte_1 = bit(rvLvRatio >= 1);
    out.rv_lv_ratio_lt_1 = bit(rvLvRatio < 1);
  }
  return out;
}

/**
 * Whether any embolus reaches into the slab [z − thickness/2, z + thickness/2]. Emboli are
 * convex, so touching the slab is the same as their z-ranges overlapping (open intervals, so a
 * shape that only grazes a slab face does not count).
 */
export function slabHasEmbolus(emboli: readonly Embolus[], z: number, thickness: number): boolean {
  return emboli.some((e) => e.zRange[1] > z - thickness / 2 && e.zRange[0] < z + thickness / 2);
}
