/**
 * The report's content, assembled once from a result and rendered by html.ts and pdf.ts, so both
 * say the same things in the same order:
 *
 * 1. the disclaimer banner and the study's pseudonymous identifiers;
 * 2. a failed quality gate: "Non-diagnostic: …" with the checks, before anything else, and then
 *    no decision anywhere (labels show their probability and "Withheld");
 * 3. otherwise the exam decision and why, then every label (catalogue order) with probability,
 *    threshold and the reported decision, and the quality checks that passed;
 * 4. key images with captions and the colour legend, or the sentence saying why there are none;
 * 5. model version, threshold set, generated time, the disclaimer again.
 *
 * Decisions come from `decisionsOf` (@embolus/shared): the report never re-applies thresholds.
 */
import { OVERLAY_FLOOR, STRETCHED_NOTE, type CamPlacement } from '@embolus/dicom-out';
import {
  decisionsOf,
  DEFAULT_THRESHOLDS,
  DISPLAY_NAMES,
  IMAGE_LABEL,
  STUDY_LABELS,
  type AnalysisResult,
  type StudyLabel,
} from '@embolus/shared';
import { heatColor } from '@embolus/shared/evidence';
import { ReportError } from './errors';

/** The disclaimer, in the dashboard banner's words. */
export const DISCLAIMER = 'Research software — not for clinical use. Results must not inform diagnosis or treatment.';

/** Largest key image accepted (pixels per side): bounds what a caller can make the renderers hold. */
export const MAX_KEY_IMAGE_SIDE = 2048;

/**
 * The study as the report names it: pseudonymous identifiers only. There is deliberately no
 * field for a patient's name, ID or birth date.
 */
export interface ReportStudy {
  /** The Embolus study id. */
  id: string;
  studyInstanceUid?: string | null;
}

/** A key image as pixels, with where it comes from. */
export interface ReportKeyImage {
  /** Interleaved RGB, rows × cols × 3 bytes (dicom-out's `renderKeyImage`). */
  rgb: Uint8Array;
  rows: number;
  cols: number;
  /** The window (`result.windows[].index`) it shows. */
  windowIndex: number;
  /** That window's PE probability. */
  probability: number;
  /** Whether the decision reports PE on that window. */
  reported: boolean;
  /** The source slice's InstanceNumber, when it has one. */
  instanceNumber?: number;
  placement: CamPlacement;
}

/** Why a report has no key-image overlays. */
export type KeyImageAbsence = 'non-diagnostic' | 'no-cam' | 'cam-mismatch' | 'source-unreadable' | 'no-windows';

/** The sentence the report prints for each absence. */
export const ABSENCE_SENTENCES: Readonly<Record<KeyImageAbsence, string>> = {
  'non-diagnostic': 'No key images: the study is non-diagnostic, so no finding is shown.',
  'no-cam': 'No key-image overlays: this result has no Grad-CAM artifact (cam.npy), so there is nothing to lay over the slices.',
  'cam-mismatch':
    'No key-image overlays: the stored Grad-CAM artifact does not match this result ' +
    '(its shape differs from the windows or the CAM geometry), so it cannot be placed on the slices.',
  'source-unreadable': 'No key-image overlays: a source slice of the analysed series could not be read.',
  'no-windows': 'No key images: none of the result’s windows covers a stored slice of the analysed series.',
};

/** What {@link buildReport} needs. */
export interface ReportInput {
  study: ReportStudy;
  result: AnalysisResult;
  keyImages: ReportKeyImage[];
  /** Why `keyImages` is empty (ignored when it is not). */
  keyImageAbsence?: KeyImageAbsence;
  /** When the report is made (printed in UTC). */
  generatedAt: Date;
}

/** One label row. */
export interface ReportLabel {
  label: StudyLabel;
  name: string;
  probability: number;
  threshold: number;
  /** "Yes", "No", or "Withheld" (non-diagnostic). */
  decision: 'Yes' | 'No' | 'Withheld';
  /** Why a decision rule overrode the threshold, when one did. */
  override?: string;
}

/** One quality check line. */
export interface ReportCheck {
  name: string;
  passed: boolean;
  message: string;
}

/** The report's content; every string is plain text (renderers escape it). */
export interface ReportModel {
  title: string;
  disclaimer: string;
  study: { label: string; value: string }[];
  /** "Non-diagnostic: …" and the checks; shown first. Null for a diagnostic study. */
  nonDiagnostic: { reason: string; checks: ReportCheck[] } | null;
  /** The exam decision and why; null when non-diagnostic. */
  exam: { decision: string; reason: string } | null;
  labels: ReportLabel[];
  /** Quality checks of a diagnostic study (all passed); null when the result has none or failed one. */
  quality: ReportCheck[] | null;
  keyImages: (ReportKeyImage & { caption: string })[];
  /** A sentence about the key images: why there are none, or that placement is approximate. */
  keyImageNote: string | null;
  legend: { text: string; stops: { t: number; rgb: [number, number, number] }[] };
  model: { version: string; sha256: string; trainedOn: string; thresholdSet: string; windowThreshold: number };
  generatedAt: string;
}

const EXAM_WORDS: Record<string, string> = {
  positive: 'PE positive',
  negative: 'PE negative',
  indeterminate: 'Indeterminate',
};

const checkName = (code: string) => code.charAt(0).toUpperCase() + code.slice(1).replace(/_/g, ' ');

/** Percent with one decimal, as the report prints probabilities. */
export function percent(p: number): string {
  return `${(p * 100).toFixed(1)} %`;
}

/** Which threshold set the result used, in words. */
function thresholdSet(result: AnalysisResult, windowThreshold: number): string {
  if (result.thresholdSet) return `this site’s threshold set, version ${result.thresholdSet.version}`;
  const differs = STUDY_LABELS.filter((l) => result.labels[l] && Math.abs(result.labels[l]!.threshold - DEFAULT_THRESHOLDS[l]) > 1e-9);
  if (differs.length === 0 && Math.abs(windowThreshold - DEFAULT_THRESHOLDS[IMAGE_LABEL]) < 1e-9)
    return 'the paper’s defaults (Ma et al., Sci Rep 2022, Table 2)';
  const which = differs.length > 0 ? differs.map((l) => DISPLAY_NAMES[l]).join(', ') : 'the window threshold';
  return `set for this model version; differs from the paper’s defaults for ${which}`;
}

/** Assembles the report. Pure: the same input gives the same model. */
export function buildReport(input: ReportInput): ReportModel {
  const { result, study } = input;
  const d = decisionsOf(result);
  const withheld = d.exam === 'withheld';
  for (const k of input.keyImages) {
    if (
      !(k.rows > 0 && k.cols > 0 && k.rows <= MAX_KEY_IMAGE_SIDE && k.cols <= MAX_KEY_IMAGE_SIDE) ||
      k.rgb.length !== k.rows * k.cols * 3
    ) {
      throw new ReportError('INVALID_KEY_IMAGE', 'a key image must be rows × cols × 3 bytes of RGB, at most 2048 pixels per side', {
        details: { rows: k.rows, cols: k.cols, bytes: k.rgb.length },
      });
    }
  }
  const overrides = new Map(d.overrides.map((o) => [o.label, o.message]));
  const labels: ReportLabel[] = [];
  for (const l of STUDY_LABELS) {
    const v = result.labels[l];
    if (!v) continue;
    const override = withheld ? undefined : overrides.get(l);
    labels.push({
      label: l,
      name: DISPLAY_NAMES[l],
      probability: v.probability,
      threshold: v.threshold,
      decision: withheld ? 'Withheld' : d.labels[l] ? 'Yes' : 'No',
      ...(override ? { override } : {}),
    });
  }
  const checks = (result.quality?.checks ?? []).map((c) => ({ name: checkName(c.code), passed: c.passed, message: c.message }));
  // A non-diagnostic study shows no finding, so no key image either, whatever the caller passed.
  const keyImages = withheld
    ? []
    : input.keyImages.map((k) => ({
        ...k,
        caption:
          `Window ${k.windowIndex}${k.instanceNumber !== undefined ? `, source slice (instance) ${k.instanceNumber}` : ''}: ` +
          `window PE probability ${percent(k.probability)}${k.reported ? ', PE reported on this window' : ''}.`,
      }));
  let keyImageNote: string | null = null;
  if (withheld) keyImageNote = ABSENCE_SENTENCES['non-diagnostic'];
  else if (keyImages.length === 0) keyImageNote = ABSENCE_SENTENCES[input.keyImageAbsence ?? 'no-windows'];
  else if (keyImages.some((k) => k.placement === 'stretched')) keyImageNote = STRETCHED_NOTE;
  const idRows = [{ label: 'Study', value: study.id }];
  if (study.studyInstanceUid) idRows.push({ label: 'Study Instance UID', value: study.studyInstanceUid });
  if (result.seriesInstanceUid) idRows.push({ label: 'Analysed series', value: result.seriesInstanceUid });
  const stops = [0.3, 0.45, 0.6, 0.75, 0.9, 1].map((t) => ({ t, rgb: heatColor(t).map(Math.round) as [number, number, number] }));
  return {
    title: 'Embolus: pulmonary embolism analysis report',
    disclaimer: DISCLAIMER,
    study: idRows,
    nonDiagnostic: withheld ? { reason: d.reason, checks } : null,
    exam: withheld ? null : { decision: EXAM_WORDS[d.exam] ?? d.exam, reason: d.reason },
    labels,
    quality: !withheld && result.quality ? checks : null,
    keyImages,
    keyImageNote,
    legend: {
      text:
        `Grad-CAM overlay, relative to its maximum on the slice: drawn above ${Math.round(OVERLAY_FLOOR * 100)} %, ` +
        'from blue (low) to red (high), over a CTPA window (W 700, L 100).',
      stops,
    },
    model: {
      version: result.model.version,
      sha256: result.model.sha256,
      trainedOn: result.model.trainedOn,
      thresholdSet: thresholdSet(result, d.windowThreshold),
      windowThreshold: d.windowThreshold,
    },
    generatedAt: input.generatedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}
