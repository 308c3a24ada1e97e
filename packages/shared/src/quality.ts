/**
 * Study-quality gates: measurable facts about a study that decide whether the model's labels may
 * be shown at all. A study that fails any check is non-diagnostic: every surface says
 * "Non-diagnostic: <reason>" before anything else and no label decision is reported (the
 * probabilities stay in the JSON for research).
 *
 * This file holds the pure part (schemas, limits, turning measurements into checks). The image
 * measurements themselves (pulmonary-artery attenuation, lung coverage) live in
 * @embolus/preprocess, where the lungs are segmented.
 */
import { z } from 'zod';

/** The checks a result can carry. New codes may be added; consumers must not assume a closed set. */
export const QUALITY_CODES = [
  'contrast_opacification',
  'slice_thickness',
  'slice_spacing',
  'lung_coverage',
  'slice_count',
  'series_type',
  'orientation',
] as const;
export type QualityCode = (typeof QUALITY_CODES)[number];

/**
 * One check. `measured` is what was found (a number, a string such as the ImageType, or null
 * when it could not be measured: a check that cannot measure fails); `limit` what it was held
 * to (null where the model does not require it); `message` says both in words.
 */
export const QualityCheckSchema = z.object({
  code: z.string(),
  passed: z.boolean(),
  measured: z.union([z.number(), z.string(), z.null()]),
  limit: z.union([z.number(), z.string(), z.null()]),
  message: z.string(),
});

/**
 * The quality section of a result. `diagnostic` is true when every check passed; otherwise
 * `reason` is the line every surface shows first ("Non-diagnostic: …") and label decisions are
 * withheld (all false).
 */
export const QualitySchema = z.object({
  diagnostic: z.boolean(),
  reason: z.string().optional(),
  checks: z.array(QualityCheckSchema),
});

export type QualityCheck = z.infer<typeof QualityCheckSchema>;
export type Quality = z.infer<typeof QualitySchema>;

/**
 * Minimum attenuation (HU) of the pulmonary trunk / main pulmonary arteries for a diagnostic
 * CTPA: 250 HU.
 *
 * Wittram C. "How I do it: CT pulmonary angiography." AJR 2007;188:1255–1261, on vascular
 * enhancement: acute clot measures about 30–80 HU, and the 250 HU commonly cited from this
 * article is the pulmonary-arterial enhancement above which filling defects stay conspicuous at
 * standard CTPA windows. Lower floors are in use too: Bayraktaroglu S et al., "Salvage of
 * suboptimal enhancement of pulmonary artery in pulmonary CT angiography studies", Iran J Radiol
 * 2020;17(2):e97230, call < 200 HU in the main pulmonary artery suboptimal. We take the stricter
 * 250 HU: a gate that lets a poorly opacified study through is worse than one that asks for a
 * repeat. A model manifest may set its own (`acquisition.minPulmonaryArteryHu`).
 */
export const PULMONARY_ARTERY_MIN_HU = 250;

/**
 * What the model accepts, declared in the model manifest (`acquisition`): the acquisition range
 * the model was trained on, widened only where preprocessing makes the difference harmless (thin
 * slices are resampled to 1 mm, so thinner than trained is supported; thicker is not).
 */
export const AcquisitionRangeSchema = z.object({
  /** What the training data had (for the record). */
  trainedOn: z.object({
    sliceThicknessMm: z.tuple([z.number().positive(), z.number().positive()]),
    sliceSpacingMm: z.tuple([z.number().positive(), z.number().positive()]),
    note: z.string().optional(),
  }),
  /** The supported range, inclusive. Outside it the study is not supported. */
  sliceThicknessMm: z.object({ min: z.number().positive(), max: z.number().positive() }),
  sliceSpacingMm: z.object({ min: z.number().positive(), max: z.number().positive() }),
  /** Fewest slices the series must have. */
  minSlices: z.number().int().min(2),
  /**
   * Largest share of the lung cross-section allowed on the first or last slice (lungs cut by the
   * scan range), or null when the model was trained on slabs that do not cover the lungs (then the
   * coverage is measured and reported but not required).
   */
  maxLungCutFraction: z.number().min(0).max(1).nullable(),
  /** Largest angle (degrees) between the slice normal and the patient's head–foot axis. */
  maxObliquityDeg: z.number().min(0).max(90),
  /** Minimum pulmonary-artery attenuation (HU); defaults to {@link PULMONARY_ARTERY_MIN_HU}. */
  minPulmonaryArteryHu: z.number().default(PULMONARY_ARTERY_MIN_HU),
  /** Why these limits (free text, for people reading the manifest). */
  why: z.string().optional(),
});
export type AcquisitionRange = z.infer<typeof AcquisitionRangeSchema>;

/** A conservative default for models whose manifest says nothing (a diagnostic CTPA protocol). */
export const DEFAULT_ACQUISITION: AcquisitionRange = {
  trainedOn: { sliceThicknessMm: [0.5, 3], sliceSpacingMm: [0.5, 3], note: 'default: no acquisition range in the manifest' },
  sliceThicknessMm: { min: 0.5, max: 3 },
  sliceSpacingMm: { min: 0.25, max: 3 },
  minSlices: 40,
  maxLungCutFraction: 0.1,
  maxObliquityDeg: 30,
  minPulmonaryArteryHu: PULMONARY_ARTERY_MIN_HU,
};

/** Acquisition facts of the analysed series (from the DICOM headers). */
export interface SeriesFacts {
  sliceThicknessMm?: number;
  sliceSpacingMm?: number;
  slices: number;
  imageType: readonly string[];
  /** Angle between the slice normal and the head–foot axis (degrees); undefined without geometry. */
  obliquityDeg?: number;
}

/** Image measurements (from @embolus/preprocess). */
export interface QualityMeasurements {
  /** Attenuation of the pulmonary trunk / main arteries (HU), undefined when not found. */
  pulmonaryArteryHu?: number;
  /** Why the arteries could not be measured. */
  pulmonaryArteryNote?: string;
  /** Lung cross-section on the first and last slice as a share of the largest (0–1). */
  lungCut?: { first: number; last: number };
}

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Contrast opacification of the pulmonary arteries. */
export function contrastCheck(hu: number | undefined, limit: number, note?: string): QualityCheck {
  if (hu === undefined || !Number.isFinite(hu)) {
    return {
      code: 'contrast_opacification',
      passed: false,
      measured: null,
      limit,
      message: `pulmonary arteries not found to measure contrast${note ? ` (${note})` : ''}`,
    };
  }
  const passed = hu >= limit;
  return {
    code: 'contrast_opacification',
    passed,
    measured: r1(hu),
    limit,
    message: passed
      ? `pulmonary arteries opacified (${r1(hu)} HU ≥ ${limit} HU)`
      : `poor contrast opacification of the pulmonary arteries (${r1(hu)} HU < ${limit} HU)`,
  };
}

function rangeCheck(code: QualityCode, what: string, v: number | undefined, range: { min: number; max: number }): QualityCheck {
  const limit = `${range.min}–${range.max} mm`;
  if (v === undefined || !Number.isFinite(v)) return { code, passed: false, measured: null, limit, message: `${what} unknown` };
  const passed = v >= range.min && v <= range.max;
  return {
    code,
    passed,
    measured: r3(v),
    limit,
    message: passed ? `${what} ${r3(v)} mm within ${limit}` : `${what} ${r3(v)} mm is outside what the model supports (${limit})`,
  };
}

/** ImageType values that mark a series the model must not read. */
const LOCALIZER = /^(LOCALIZER|SCOUT|TOPOGRAM|SURVIEW)$/;
const DERIVED_VIEW = /^(REFORMATTED|MPR|CSA MPR|CSA MPR THICK|MIP|MINIP|PROJECTION IMAGE|CURVED|VOLUME RENDER|VR|3D)$/;

/** Whether an ImageType marks a localizer or a reformatted / projected view (not original slices). */
export function derivedView(imageType: readonly string[]): 'localizer' | 'reformatted' | undefined {
  const types = imageType.map((t) => t.trim().toUpperCase());
  return types.some((t) => LOCALIZER.test(t)) ? 'localizer' : types.some((t) => DERIVED_VIEW.test(t)) ? 'reformatted' : undefined;
}

/** Acquisition checks: thickness, spacing, slice count, series type, orientation. */
export function acquisitionChecks(f: SeriesFacts, a: AcquisitionRange): QualityCheck[] {
  const types = f.imageType.map((t) => t.trim().toUpperCase());
  const view = derivedView(types);
  const localizer = view === 'localizer';
  const derived = view === 'reformatted';
  const typeText = types.join('\\') || '(none)';
  const seriesType: QualityCheck = localizer
    ? {
        code: 'series_type',
        passed: false,
        measured: typeText,
        limit: 'acquired slices (no localizer or reformat)',
        message: `the series is a localizer (ImageType ${typeText})`,
      }
    : derived
      ? {
          code: 'series_type',
          passed: false,
          measured: typeText,
          limit: 'acquired slices (no localizer or reformat)',
          message: `the series is reformatted (ImageType ${typeText})`,
        }
      : {
          code: 'series_type',
          passed: true,
          measured: typeText,
          limit: 'acquired slices (no localizer or reformat)',
          message: `series type ${typeText}`,
        };
  const ob = f.obliquityDeg;
  const orientation: QualityCheck =
    ob === undefined || !Number.isFinite(ob)
      ? {
          code: 'orientation',
          passed: false,
          measured: null,
          limit: a.maxObliquityDeg,
          message: 'slice orientation unknown (no ImageOrientationPatient)',
        }
      : ob <= a.maxObliquityDeg
        ? {
            code: 'orientation',
            passed: true,
            measured: r1(ob),
            limit: a.maxObliquityDeg,
            message: `axial slices (${r1(ob)}° from axial)`,
          }
        : {
            code: 'orientation',
            passed: false,
            measured: r1(ob),
            limit: a.maxObliquityDeg,
            message: `non-axial series (${r1(ob)}° from axial, at most ${a.maxObliquityDeg}°)`,
          };
  const count: QualityCheck =
    f.slices >= a.minSlices
      ? { code: 'slice_count', passed: true, measured: f.slices, limit: a.minSlices, message: `${f.slices} slices` }
      : {
          code: 'slice_count',
          passed: false,
          measured: f.slices,
          limit: a.minSlices,
          message: `too few slices (${f.slices} < ${a.minSlices})`,
        };
  return [
    rangeCheck('slice_thickness', 'slice thickness', f.sliceThicknessMm ?? f.sliceSpacingMm, a.sliceThicknessMm),
    rangeCheck('slice_spacing', 'slice spacing', f.sliceSpacingMm, a.sliceSpacingMm),
    count,
    seriesType,
    orientation,
  ];
}

/** Lung coverage: lungs cut by the first or last slice of the scan. */
export function coverageCheck(cut: QualityMeasurements['lungCut'], maxCut: number | null): QualityCheck {
  if (!cut)
    return {
      code: 'lung_coverage',
      passed: maxCut === null,
      measured: null,
      limit: maxCut,
      message: 'lungs not found to measure coverage',
    };
  const worst = Math.max(cut.first, cut.last);
  const where = cut.first >= cut.last ? 'first (lowest)' : 'last (highest)';
  const share = `${Math.round(worst * 100)}% of the largest lung cross-section on the ${where} slice`;
  if (maxCut === null)
    return {
      code: 'lung_coverage',
      passed: true,
      measured: r3(worst),
      limit: null,
      message: `lung coverage not required by this model (${share})`,
    };
  const passed = worst <= maxCut;
  const limitText = `at most ${Math.round(maxCut * 100)}%`;
  return {
    code: 'lung_coverage',
    passed,
    measured: r3(worst),
    limit: maxCut,
    message: passed
      ? `lungs covered (${share}, ${limitText})`
      : `incomplete lung coverage: lungs cut by the ${where} slice (${share}, ${limitText})`,
  };
}

/** All checks for a study. */
export function qualityChecks(facts: SeriesFacts, m: QualityMeasurements, a: AcquisitionRange): QualityCheck[] {
  return [
    contrastCheck(m.pulmonaryArteryHu, a.minPulmonaryArteryHu, m.pulmonaryArteryNote),
    ...acquisitionChecks(facts, a),
    coverageCheck(m.lungCut, a.maxLungCutFraction),
  ];
}

/** Folds checks into the quality section: diagnostic only when all pass. */
export function summarizeQuality(checks: QualityCheck[]): Quality {
  const failed = checks.filter((c) => !c.passed);
  if (failed.length === 0) return { diagnostic: true, checks };
  return { diagnostic: false, reason: `Non-diagnostic: ${failed.map((c) => c.message).join('; ')}`, checks };
}
