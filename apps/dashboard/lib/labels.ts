/**
 * Label names and order for display, from @embolus/shared's zod-free `labels` entry (importing the
 * package root would bundle zod into every page).
 */
import { DISPLAY_NAMES, STUDY_LABELS, type StudyLabel } from '@embolus/shared/labels';

/** Display names of the nine study labels. */
export const LABEL_NAMES: Readonly<Record<StudyLabel, string>> = Object.fromEntries(
  STUDY_LABELS.map((l) => [l, DISPLAY_NAMES[l]]),
) as Record<StudyLabel, string>;

/** The nine study labels in the model's head order. */
export const LABEL_ORDER: StudyLabel[] = [...STUDY_LABELS];

/** Short names for the heatmap's row headers. */
export const LABEL_SHORT = {
  negative_exam_for_pe: 'Negative',
  indeterminate: 'Indeterm.',
  chronic_pe: 'Chronic',
  acute_and_chronic_pe: 'Acute+chr.',
  central_pe: 'Central',
  leftsided_pe: 'Left',
  rightsided_pe: 'Right',
  rv_lv_ratio_gte_1: 'RV/LV ≥ 1',
  rv_lv_ratio_lt_1: 'RV/LV < 1',
} as const satisfies Record<StudyLabel, string>;
