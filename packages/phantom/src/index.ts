/**
 * @embolus/phantom: synthetic contrast-enhanced chest CT (CTPA) studies with pulmonary emboli,
 * written as real DICOM series with RSNA-STR PE labels. Research software, not for clinical use;
 * the images contain no patient data.
 */
export { generateStudy, planStudy, type PhantomStudy, type PhantomFile } from './study';
export {
  validateOptions,
  resolveKind,
  type StudyOptions,
  type StudyKind,
  type ScanProtocol,
  type PixelStorage,
  type Preset,
} from './options';
export { RSNA_COLUMNS, type PhantomLabels, type QaLabel, type SliceLabel } from './labels';
export type { StudyTruth } from './truth';
export { type Embolus, type EmbolusMorphology, type Chronicity, embolusContains } from './emboli';
export type { Anatomy, Heart, TissueHu } from './anatomy';
export type { Artery, ArteryGroup } from './vessels';
export type { Vec3, Tube } from './geometry';
export { TISSUE, type Tissue } from './raster';
export { SYNTHETIC_DESCRIPTION } from './dicom-writer';
export { PhantomError, type PhantomErrorCode } from './errors';
export { deriveSeed } from './random';
export { writeStudy, writeDataset, rsnaRows, type DatasetOptions, type DatasetSummary, type DatasetStudySummary } from './write';
