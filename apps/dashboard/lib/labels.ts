/**
 * Label names and order for display. The names mirror DISPLAY_NAMES of @embolus/shared; they are
 * repeated here because importing that package's values would bundle zod into every page. The
 * `satisfies` clause makes the type checker fail if a label is added or renamed there.
 */
import type { StudyLabel } from '@embolus/shared';

export const LABEL_NAMES = {
  negative_exam_for_pe: 'Negative exam for PE',
  indeterminate: 'Indeterminate',
  chronic_pe: 'Chronic PE',
  acute_and_chronic_pe: 'Acute and chronic PE',
  central_pe: 'Central PE',
  leftsided_pe: 'Left-sided PE',
  rightsided_pe: 'Right-sided PE',
  rv_lv_ratio_gte_1: 'RV/LV ratio ≥ 1',
  rv_lv_ratio_lt_1: 'RV/LV ratio < 1',
} as const satisfies Record<StudyLabel, string>;

/** The nine study labels in the model's head order. */
export const LABEL_ORDER = Object.keys(LABEL_NAMES) as StudyLabel[];

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
