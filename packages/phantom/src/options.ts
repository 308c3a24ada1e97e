/**
 * Study options and the scan protocol they resolve to. Everything left unset is drawn from the
 * seed, which is where the scanner variety comes from (matrix, slice thickness, storage, noise,
 * field of view, table height).
 */
import { PhantomError } from './errors';
import { rngFor } from './random';

/** What a study shows. Indeterminate studies are non-diagnostic (poor contrast or motion). */
export type StudyKind = 'negative' | 'positive' | 'indeterminate';

/**
 * How pixels are stored. `unsigned`: PixelRepresentation 0, 12 bits stored, RescaleIntercept −1024
 * (the classic layout). `signed`: PixelRepresentation 1, 16 bits stored, RescaleIntercept 0.
 */
export type PixelStorage = 'unsigned' | 'signed';

/**
 * `full`: a diagnostic CTPA (512², 256 slices of 0.625–1.25 mm). `demo`: small and fast for CPU
 * training demos (192² or 256², 2–2.5 mm slices, about 15 cm of chest).
 */
export type Preset = 'full' | 'demo';

/** Options of {@link generateStudy}. Only `seed` is required. */
export interface StudyOptions {
  /** Non-negative integer; the same seed and options give byte-identical files. */
  seed: number;
  /** Number in the pseudonym `PHANTOM-<n>` (the manifest's `patientId`); defaults to the seed. */
  patientNumber?: number;
  /**
   * Writes the pseudonym as PatientName and PatientID, and StudyID 1: values the API refuses as
   * not anonymized, for tests of that refusal. Default false: those attributes are empty and the
   * files are accepted as they are.
   */
  identified?: boolean;
  /** Forces the study kind; otherwise drawn with `positiveRate` and `indeterminateRate`. */
  kind?: StudyKind;
  /** Probability of a positive study when `kind` is unset (default 0.5). */
  positiveRate?: number;
  /** Probability of an indeterminate study when `kind` is unset (default 0.04, capped at 1 − positiveRate). */
  indeterminateRate?: number;
  /** Default sizes (default `full`). */
  preset?: Preset;
  /** Rows = columns, 64–512. */
  matrix?: number;
  /** Number of slices (at least 8). Give either this or `zExtentMm`. */
  slices?: number;
  /** Scan length in mm; the slice count becomes round(zExtentMm / sliceSpacingMm). */
  zExtentMm?: number;
  /** Reconstructed slice thickness, 0.5–5 mm. */
  sliceThicknessMm?: number;
  /** Distance between slice centres (default: the thickness, i.e. contiguous slices). */
  sliceSpacingMm?: number;
  /** Reconstruction field of view (mm), 250–500; the body always fits inside. */
  fovMm?: number;
  /** Pixel storage layout. */
  storage?: PixelStorage;
  /** Standard deviation of image noise in HU (0 disables noise, which tests use for exact HU). */
  noiseHu?: number;
  /**
   * Renders the embolus-free twin of a positive study: every draw (anatomy, protocol, noise) as
   * the positive study with this seed makes, the emboli left out, labelled negative, with its own
   * UIDs. Only for `kind: 'positive'` (or a drawn positive). Pairs of twins differ only in the clot
   * voxels, which shows a window model what a clot is rather than where emboli tend to sit.
   */
  embolusFree?: boolean;
}

/** The resolved acquisition: every option made concrete. */
export interface ScanProtocol {
  preset: Preset;
  matrix: number;
  slices: number;
  sliceThicknessMm: number;
  sliceSpacingMm: number;
  fovMm: number;
  pixelSpacingMm: number;
  storage: PixelStorage;
  noiseHu: number;
  /** Vertical offset of the body centre from the isocentre (mm, +y posterior): the table height. */
  tableShiftMm: number;
  /** DICOM TableHeight (mm) matching `tableShiftMm`. */
  tableHeightMm: number;
}

const MAX_STUDY_VOXELS = 512 * 512 * 1024;

function check(ok: boolean, message: string, details: Record<string, unknown>): void {
  if (!ok) throw new PhantomError('INVALID_OPTIONS', message, { details });
}

const isNum = (v: number | undefined): v is number => v !== undefined;

/** Validates the options and throws `INVALID_OPTIONS` on the first problem. */
export function validateOptions(o: StudyOptions): void {
  check(Number.isSafeInteger(o.seed) && o.seed >= 0, 'seed must be a non-negative integer', { seed: o.seed });
  const inRange = (name: keyof StudyOptions, lo: number, hi: number, integer = false) => {
    const v = o[name];
    if (v === undefined) return;
    const ok = typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi && (!integer || Number.isInteger(v));
    check(ok, `${name} must be ${integer ? 'an integer ' : ''}in [${lo}, ${hi}]`, { [name]: v });
  };
  inRange('patientNumber', 0, Number.MAX_SAFE_INTEGER, true);
  inRange('positiveRate', 0, 1);
  inRange('indeterminateRate', 0, 1);
  inRange('matrix', 64, 512, true);
  inRange('slices', 8, 2048, true);
  inRange('zExtentMm', 20, 600);
  inRange('sliceThicknessMm', 0.5, 5);
  inRange('sliceSpacingMm', 0.25, 5);
  inRange('fovMm', 250, 500);
  inRange('noiseHu', 0, 100);
  check(
    o.kind === undefined || ['negative', 'positive', 'indeterminate'].includes(o.kind),
    'kind must be negative, positive or indeterminate',
    { kind: o.kind },
  );
  check(o.preset === undefined || o.preset === 'full' || o.preset === 'demo', 'preset must be full or demo', { preset: o.preset });
  check(o.storage === undefined || o.storage === 'signed' || o.storage === 'unsigned', 'storage must be signed or unsigned', {
    storage: o.storage,
  });
  check(!(isNum(o.slices) && isNum(o.zExtentMm)), 'give slices or zExtentMm, not both', { slices: o.slices, zExtentMm: o.zExtentMm });
}

/** Draws the study kind from the rates (or returns the forced kind). */
export function resolveKind(o: StudyOptions): StudyKind {
  if (o.kind) return o.kind;
  const p = o.positiveRate ?? 0.5;
  const q = Math.min(o.indeterminateRate ?? 0.04, 1 - p);
  const u = rngFor(o.seed, 'kind').next();
  return u < p ? 'positive' : u < p + q ? 'indeterminate' : 'negative';
}

/** Resolves every scan option, drawing the unset ones from the seed. */
export function resolveProtocol(o: StudyOptions, bodyHalfWidthMm: number, bodyHalfDepthMm: number): ScanProtocol {
  validateOptions(o);
  const rng = rngFor(o.seed, 'scanner');
  const preset = o.preset ?? 'full';
  const demo = preset === 'demo';
  // Draw every value even when overridden, so an override never shifts the other draws.
  const drawn = {
    matrix: demo ? rng.pick([192, 256]) : 512,
    thickness: demo ? rng.pick([2, 2.5]) : rng.pick([0.625, 0.75, 1, 1.25]),
    demoExtent: rng.range(140, 170),
    fovExtra: rng.range(20, 70),
    storage: rng.pick<PixelStorage>(['unsigned', 'signed']),
    noise: rng.range(8, 18),
    table: rng.range(-1, 1),
  };
  const sliceThicknessMm = o.sliceThicknessMm ?? drawn.thickness;
  const sliceSpacingMm = o.sliceSpacingMm ?? sliceThicknessMm;
  const slices = isNum(o.slices)
    ? o.slices
    : isNum(o.zExtentMm)
      ? Math.max(8, Math.round(o.zExtentMm / sliceSpacingMm))
      : demo
        ? Math.max(8, Math.round(drawn.demoExtent / sliceSpacingMm))
        : 256;
  const matrix = o.matrix ?? drawn.matrix;
  check(matrix * matrix * slices <= MAX_STUDY_VOXELS, `a ${matrix}² × ${slices} study is too large`, { matrix, slices });
  // The reconstruction circle must hold the whole body plus the couch below it.
  const minFov = 2 * Math.max(bodyHalfWidthMm, bodyHalfDepthMm + 30) + 30;
  const fovMm = Math.max(o.fovMm ?? Math.min(500, 2 * bodyHalfWidthMm + drawn.fovExtra), minFov);
  check(fovMm <= 500, 'the body does not fit in a 500 mm field of view', { fovMm });
  // Thinner slices collect fewer photons: noise grows as 1/sqrt(thickness) around 1.25 mm.
  const noiseHu = o.noiseHu ?? drawn.noise * Math.sqrt(1.25 / sliceThicknessMm);
  // Table height moves the patient up or down in the field; keep body and couch inside it.
  const room = Math.max(0, fovMm / 2 - bodyHalfDepthMm - 30);
  const tableShiftMm = drawn.table * Math.min(room, 40);
  // DS values hold at most 16 characters: keep the spacing short and the FOV consistent with it.
  const pixelSpacingMm = Number((fovMm / matrix).toFixed(6));
  return {
    preset,
    matrix,
    slices,
    sliceThicknessMm,
    sliceSpacingMm,
    fovMm: pixelSpacingMm * matrix,
    pixelSpacingMm,
    storage: o.storage ?? drawn.storage,
    noiseHu,
    tableShiftMm,
    tableHeightMm: 160 - tableShiftMm,
  };
}
