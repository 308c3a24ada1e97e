/**
 * The JSON record of a preprocessing run (meta.json): enough to map predictions back to source
 * slices and to draw the crop and windows on the original images.
 */
import type { PreprocessResult, QualityMeasures } from './pipeline';
import { PAPER_CHANNELS } from './windows';

export interface PreprocessMeta {
  pipeline: { version: 1; spacingMm: number; windowSlices: number; channels: readonly (readonly [number, number])[]; sizes: number[] };
  series?: SeriesAcquisition;
  steps: PreprocessResult['record'];
  spacing: { input: number[]; output: number[] };
  cropBox?: unknown;
  lungLitres: number;
  windows: { index: number; zStart: number; zEnd: number; slices: { sopInstanceUid: string; fraction: number }[] }[];
  warnings: string[];
  timingsMs: Record<string, number>;
  /** Image measurements for the quality gates. */
  quality?: QualityMeasures;
}

/** The chosen series and the acquisition facts the quality gates read. */
export interface SeriesAcquisition {
  seriesInstanceUid: string;
  reason: string;
  slices: number;
  sliceThicknessMm?: number;
  sliceSpacingMm?: number;
  imageType?: string[];
  /** Degrees between the slice normal and the head–foot axis. */
  obliquityDeg?: number;
}

/** Builds meta.json content from a result. */
export function buildMeta(
  r: PreprocessResult,
  series?: PreprocessMeta['series'],
  extraTimings: Record<string, number> = {},
): PreprocessMeta {
  const first = r.record[0];
  const crop = r.record.find((s) => s.step === 'cropToLungBox');
  const t = r.tensors[0]!;
  return {
    pipeline: {
      version: 1,
      spacingMm: r.volume.spacing[0],
      windowSlices: t.shape[2],
      channels: PAPER_CHANNELS,
      sizes: r.tensors.map((x) => x.shape[3]),
    },
    ...(series ? { series } : {}),
    steps: r.record,
    spacing: { input: first?.spacingIn ?? [], output: r.volume.spacing },
    cropBox: crop ? { voxels: crop.box, patientMm: crop.boxPatientMm, marginMm: crop.marginMm } : undefined,
    lungLitres: r.lungLitres,
    windows: t.windows,
    warnings: r.warnings,
    timingsMs: { ...extraTimings, ...r.timings },
    quality: r.quality,
  };
}
