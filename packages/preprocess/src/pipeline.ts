/**
 * The paper's preprocessing, end to end: one function for serving and for the training cache,
 * so both see identical tensors.
 */
import type { Volume } from '@embolus/dicom';
import { compose } from './compose';
import { fillPadding, fromConsumedDicomVolume, fromDicomVolume, orderBottomToTop } from './from-dicom';
import { cropToLungBox, lungMask, type LungMaskConfig } from './lung-mask';
import { lungAreas, measureLungCut, measurePulmonaryArtery, type ArteryMeasurement, type LungCut } from './quality';
import { resampleIsotropic } from './resample';
import type { PipelineVolume, StepRecord } from './volume';
import { SERVE_WINDOWS, TRAIN_WINDOWS, makeWindows, type WindowConfig, type WindowTensor } from './windows';

export interface PreprocessOptions {
  spacingMm: number;
  marginMm: number;
  lungMask: Partial<LungMaskConfig>;
  /** One or more window configurations (serve 192, train 224) computed from the same crop. */
  windows: WindowConfig[];
}

export const DEFAULT_PREPROCESS: PreprocessOptions = { spacingMm: 1, marginMm: 5, lungMask: {}, windows: [SERVE_WINDOWS] };

/** The result: a tensor per window configuration, the cropped volume and what every step did. */
export interface PreprocessResult {
  tensors: WindowTensor[];
  volume: PipelineVolume;
  record: StepRecord[];
  warnings: string[];
  /** Lung volume in litres from the mask (before cropping). */
  lungLitres: number;
  timings: Record<string, number>;
  /** Image measurements for the study-quality gates (on the cropped volume, which holds the mediastinum). */
  quality: QualityMeasures;
}

/** What the quality gates measure in the image. */
export interface QualityMeasures {
  pulmonaryArtery: ArteryMeasurement;
  lungCut?: LungCut;
}

/** Runs the steps up to the crop. */
export function volumeSteps(o: Pick<PreprocessOptions, 'spacingMm' | 'marginMm' | 'lungMask'> = DEFAULT_PREPROCESS) {
  return compose([orderBottomToTop(), fillPadding(-1024), resampleIsotropic(o.spacingMm), lungMask(o.lungMask), cropToLungBox(o.marginMm)]);
}

/** Preprocesses an assembled series volume into model input. */
export function preprocess(vol: Volume, options: Partial<PreprocessOptions> = {}): PreprocessResult {
  return run(fromDicomVolume(vol), options);
}

/**
 * `preprocess` for a caller that drops `vol` afterwards: may overwrite `vol.data` (padding becomes
 * air in place). Same result. Package-internal (the Node folder loader uses it).
 */
export function preprocessConsuming(vol: Volume, options: Partial<PreprocessOptions> = {}): PreprocessResult {
  return run(fromConsumedDicomVolume(vol), options);
}

function run(input: PipelineVolume, options: Partial<PreprocessOptions>): PreprocessResult {
  const o = { ...DEFAULT_PREPROCESS, ...options };
  const cropped = volumeSteps(o)(input);
  const timings: Record<string, number> = Object.fromEntries(cropped.record.map((r) => [r.step, r.ms]));
  const tensors = o.windows.map((w) => {
    const t0 = performance.now();
    const t = makeWindows(cropped, w);
    timings[`windows${w.size}`] = Math.round((performance.now() - t0) * 10) / 10;
    return t;
  });
  const t0 = performance.now();
  const areas = cropped.lungMask ? lungAreas(cropped) : undefined;
  const lungCut = measureLungCut(cropped, areas);
  const quality: QualityMeasures = { pulmonaryArtery: measurePulmonaryArtery(cropped, {}, areas), ...(lungCut ? { lungCut } : {}) };
  timings.qualityMeasures = Math.round((performance.now() - t0) * 10) / 10;
  const lungRec = cropped.record.find((r) => r.step === 'lungMask');
  return {
    tensors,
    volume: cropped,
    record: cropped.record,
    warnings: cropped.warnings,
    lungLitres: Number(lungRec?.lungLitres ?? 0),
    timings,
    quality,
  };
}

export { SERVE_WINDOWS, TRAIN_WINDOWS };
