/**
 * The label catalogue of the RSNA-STR PE competition as used by Ma et al. (Sci Rep 2022).
 *
 * Weights are the competition's metric weights; thresholds are the paper's Table 2 defaults.
 */

/** The nine study-level labels, in the order the model's attention heads emit them. */
export const STUDY_LABELS = [
  'negative_exam_for_pe',
  'indeterminate',
  'chronic_pe',
  'acute_and_chronic_pe',
  'central_pe',
  'leftsided_pe',
  'rightsided_pe',
  'rv_lv_ratio_gte_1',
  'rv_lv_ratio_lt_1',
] as const;

/** A study-level label name. */
export type StudyLabel = (typeof STUDY_LABELS)[number];

/** The image (slice) level label; the model predicts it per window of 10 slices. */
export const IMAGE_LABEL = 'pe_present_on_image' as const;
export type ImageLabel = typeof IMAGE_LABEL;

/** Every label: the image-level label followed by the nine study labels. */
export const ALL_LABELS = [IMAGE_LABEL, ...STUDY_LABELS] as const;
export type Label = (typeof ALL_LABELS)[number];

/** The seven study labels that describe PE itself (all must be ≤ 0.5 on a negative study). */
export const PE_LABELS = [
  'chronic_pe',
  'acute_and_chronic_pe',
  'central_pe',
  'leftsided_pe',
  'rightsided_pe',
  'rv_lv_ratio_gte_1',
  'rv_lv_ratio_lt_1',
] as const satisfies readonly StudyLabel[];

/** Human-readable names for reports and the dashboard. */
export const DISPLAY_NAMES: Readonly<Record<Label, string>> = {
  pe_present_on_image: 'PE present on image',
  negative_exam_for_pe: 'Negative exam for PE',
  indeterminate: 'Indeterminate',
  chronic_pe: 'Chronic PE',
  acute_and_chronic_pe: 'Acute and chronic PE',
  central_pe: 'Central PE',
  leftsided_pe: 'Left-sided PE',
  rightsided_pe: 'Right-sided PE',
  rv_lv_ratio_gte_1: 'RV/LV ratio ≥ 1',
  rv_lv_ratio_lt_1: 'RV/LV ratio < 1',
};

/** RSNA-STR PE competition weights of the study labels. */
export const STUDY_LABEL_WEIGHTS: Readonly<Record<StudyLabel, number>> = {
  negative_exam_for_pe: 0.0736196319,
  indeterminate: 0.09202453988,
  chronic_pe: 0.1042944785,
  acute_and_chronic_pe: 0.1042944785,
  central_pe: 0.1877300613,
  leftsided_pe: 0.06257668712,
  rightsided_pe: 0.06257668712,
  rv_lv_ratio_gte_1: 0.2346625767,
  rv_lv_ratio_lt_1: 0.0782208589,
};

/**
 * Base weight of the image-level label. The competition weights each image of study i by
 * IMAGE_LABEL_WEIGHT × q_i, where q_i is the share of positive images in that study.
 */
export const IMAGE_LABEL_WEIGHT = 0.07361963;

/** Image-level weight for a study whose share of positive images is `q` (0..1). */
export function imageWeight(q: number): number {
  return IMAGE_LABEL_WEIGHT * q;
}

/** Default decision thresholds from the paper's Table 2 (the window-level PE threshold included). */
export const DEFAULT_THRESHOLDS: Readonly<Record<Label, number>> = {
  pe_present_on_image: 0.15,
  negative_exam_for_pe: 0.8,
  indeterminate: 0.05,
  chronic_pe: 0.05,
  acute_and_chronic_pe: 0.05,
  central_pe: 0.05,
  leftsided_pe: 0.15,
  rightsided_pe: 0.15,
  rv_lv_ratio_gte_1: 0.15,
  rv_lv_ratio_lt_1: 0.15,
};

/** True when `name` is one of the nine study labels. */
export function isStudyLabel(name: string): name is StudyLabel {
  return (STUDY_LABELS as readonly string[]).includes(name);
}

/** True when `name` is any known label, image level included. */
export function isLabel(name: string): name is Label {
  return (ALL_LABELS as readonly string[]).includes(name);
}
