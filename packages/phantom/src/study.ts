/**
 * `generateStudy`: one synthetic CTPA series as DICOM files, with RSNA-STR labels and the
 * ground truth they were derived from.
 */
import { buildAnatomy, drawBodySize } from './anatomy';
import { BLUR_NOISE_GAIN, addNoise, applyMotion, blur121, type SliceMotion } from './artifacts';
import { SeriesEncoder, quantise } from './dicom-writer';
import { placeEmboli, type Chronicity, type Embolus } from './emboli';
import { PhantomError } from './errors';
import { chronicityOf, slabHasEmbolus, studyLabels, type PhantomLabels, type SliceLabel } from './labels';
import { resolveKind, resolveProtocol, validateOptions, type ScanProtocol, type StudyKind, type StudyOptions } from './options';
import { gaussianTable, rngFor, type Rng } from './random';
import { sliceBuffers, type SliceGrid } from './raster';
import { renderSlice } from './render-slice';
import { buildTruth, type StudyTruth } from './truth';
import { studyUids } from './uids';

/** One DICOM instance of the series. */
export interface PhantomFile {
  sopInstanceUid: string;
  instanceNumber: number;
  /** ImagePositionPatient z (mm). */
  z: number;
  /** The Part 10 file. */
  bytes: Uint8Array;
}

/** A generated study. `files`, `sliceLabels` and `truth.sliceZ` share one order: ascending z. */
export interface PhantomStudy {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  /** The study's pseudonym (written as PatientName and PatientID only with `identified`). */
  patientId: string;
  kind: StudyKind;
  protocol: ScanProtocol;
  files: PhantomFile[];
  labels: PhantomLabels;
  sliceLabels: SliceLabel[];
  truth: StudyTruth;
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

/** RV/LV ratio: acute PE strains the right ventricle in about a third of positive studies. */
function drawRvLvRatio(rng: Rng, kind: StudyKind): number {
  const dilated = kind === 'positive' && rng.chance(0.35);
  // Ratios near 1 are left out so the label is decidable from the image.
  return dilated ? rng.range(1.08, 1.5) : rng.range(0.65, 0.92);
}

/**
 * First slice centre relative to the bifurcation. The scan always holds the trunk, the
 * bifurcation and the main arteries (about −45…+8 mm, scaled) when it is long enough, and is
 * otherwise centred on them; long scans sit over the whole chest.
 */
function scanStart(rng: Rng, extent: number, s: number): number {
  const lo = 8 * s - extent,
    hi = -45 * s;
  const preferred = -28 * s - extent / 2 + rng.range(-10, 10);
  return lo <= hi ? Math.min(hi, Math.max(lo, preferred)) : -18 * s - extent / 2;
}

/** Motion of an indeterminate study: a block of slices blurred, doubled and shifted along z. */
function drawMotion(rng: Rng, slices: number, ps: number): Map<number, SliceMotion> {
  const out = new Map<number, SliceMotion>();
  const length = Math.max(3, Math.round(slices * rng.range(0.3, 0.6)));
  const first = rng.int(0, slices - length);
  // Breathing: a few millimetres of craniocaudal travel over one to three half-cycles.
  const amplitude = rng.range(4, 10);
  const cycles = rng.range(1, 3);
  for (let k = first; k < first + length; k++) {
    const phase = (k - first) / length;
    out.set(k, {
      dz: amplitude * Math.sin(Math.PI * phase * cycles),
      ghostDx: Math.round(rng.range(-6, 6) / ps),
      ghostDy: Math.round(rng.range(3, 9) / ps),
      ghost: rng.range(0.3, 0.5),
    });
  }
  return out;
}

/**
 * The study kind and resolved scan protocol that {@link generateStudy} would use, without
 * rendering anything (for planning data sets and showing sizes up front).
 */
export function planStudy(options: StudyOptions): { kind: StudyKind; protocol: ScanProtocol } {
  validateOptions(options);
  const size = drawBodySize(options.seed);
  return { kind: resolveKind(options), protocol: resolveProtocol(options, size.a, size.b) };
}

/**
 * Generates one study. The same options give byte-identical files; every draw comes from the
 * seed. Throws `INVALID_OPTIONS` for bad options and `PLACEMENT_FAILED` when a positive study's
 * scan is too short to hold an embolus.
 */
export function generateStudy(options: StudyOptions): PhantomStudy {
  const { kind, protocol } = planStudy(options);
  const size = drawBodySize(options.seed);
  const rng = rngFor(options.seed, 'study');
  const s = size.a / 160;

  const n = protocol.matrix;
  const ps = protocol.pixelSpacingMm;
  const half = (ps * n) / 2;
  const grid: SliceGrid = { n, ps, x0: round(-half + ps / 2 + rng.range(-5, 5), 4), y0: round(-half + ps / 2 + rng.range(-5, 5), 4) };
  const centre: [number, number] = [rng.range(-5, 5), protocol.tableShiftMm];
  const bifurcationZ = round(rng.range(-260, -120), 1);
  const spacing = protocol.sliceSpacingMm;
  const start = bifurcationZ + scanStart(rng, (protocol.slices - 1) * spacing, s);
  const sliceZ = Array.from({ length: protocol.slices }, (_, k) => round(start + k * spacing, 4));

  const qaDraw = rng.next();
  const qa = kind === 'indeterminate' ? { motion: qaDraw < 0.6, contrast: qaDraw >= 0.5 } : { motion: false, contrast: false };
  const rvLvRatio = drawRvLvRatio(rng, kind);
  const u = rng.next();
  const chronicity: Chronicity = u < 0.7 ? 'acute' : u < 0.85 ? 'chronic' : 'acute_and_chronic';
  const anatomy = buildAnatomy(options.seed, size, centre, bifurcationZ, { poorContrast: qa.contrast, rvLvRatio });

  let emboli: Embolus[] = [];
  if (kind === 'positive') {
    const style = protocol.preset === 'demo' ? 'conspicuous' : 'clinical';
    emboli = placeEmboli(
      rngFor(options.seed, 'emboli'),
      anatomy.arteries,
      chronicity,
      { zLo: sliceZ[0]!, zHi: sliceZ[sliceZ.length - 1]! },
      style,
    );
    if (emboli.length === 0) {
      throw new PhantomError(
        'PLACEMENT_FAILED',
        `no embolus fits in a ${round((protocol.slices - 1) * spacing, 1)} mm scan; use more slices or thicker ones`,
        {
          details: { slices: protocol.slices, sliceSpacingMm: spacing },
        },
      );
    }
  }
  const motion = qa.motion ? drawMotion(rngFor(options.seed, 'motion'), protocol.slices, ps) : new Map<number, SliceMotion>();

  // The twin: drawn as the positive study (so pixels match outside the clots), reported negative.
  const twin = options.embolusFree === true;
  if (twin && kind !== 'positive')
    throw new PhantomError('INVALID_OPTIONS', `embolusFree needs a positive study, this seed draws a ${kind} one`, {
      details: { seed: options.seed, kind },
    });
  if (twin) emboli = [];
  const reported: StudyKind = twin ? 'negative' : kind;
  const key = JSON.stringify(
    twin ? { v: 1, seed: options.seed, kind, protocol, embolusFree: true } : { v: 1, seed: options.seed, kind, protocol },
  );
  const uids = studyUids(key);
  const patientId = `PHANTOM-${options.patientNumber ?? options.seed}`;
  const couchTopY = centre[1] + size.b + 1;
  const table = gaussianTable();
  const noiseRng = rngFor(options.seed, 'noise');
  const encoder = new SeriesEncoder({
    studyInstanceUid: uids.study,
    seriesInstanceUid: uids.series,
    frameOfReferenceUid: uids.frameOfReference,
    pseudonym: patientId,
    identified: options.identified === true,
    rows: n,
    cols: n,
    pixelSpacingMm: ps,
    sliceThicknessMm: protocol.sliceThicknessMm,
    sliceSpacingMm: spacing,
    tableHeightMm: round(protocol.tableHeightMm, 2),
    storage: protocol.storage,
    contrast: !qa.contrast,
  });
  const buf = sliceBuffers(n);
  const tmp = new Float32Array(n * n);
  const files: PhantomFile[] = [];
  const sliceLabels: SliceLabel[] = [];
  const renderZ: number[] = [];
  for (let k = 0; k < sliceZ.length; k++) {
    const z = sliceZ[k]!;
    const m = motion.get(k);
    renderZ.push(z + (m?.dz ?? 0));
    renderSlice(buf, grid, anatomy, renderZ[k]!, emboli, protocol.sliceThicknessMm, couchTopY);
    if (m) applyMotion(buf.hu, n, m, tmp);
    const state = noiseRng.u32();
    if (protocol.noiseHu > 0) addNoise(buf.hu, protocol.noiseHu / BLUR_NOISE_GAIN, table, state);
    blur121(buf.hu, n, tmp);
    const sopInstanceUid = uids.sop(k);
    // Scanners number images in acquisition order: head-first, so the top slice is image 1.
    const instanceNumber = sliceZ.length - k;
    const bytes = encoder.encode(
      { sopInstanceUid, instanceNumber, imagePositionPatient: [grid.x0, grid.y0, z] },
      quantise(buf.hu, protocol.storage),
    );
    files.push({ sopInstanceUid, instanceNumber, z, bytes });
    sliceLabels.push({ sopInstanceUid, pe_present_on_image: slabHasEmbolus(emboli, z, protocol.sliceThicknessMm) ? 1 : 0 });
  }
  if (reported === 'positive' && !sliceLabels.some((l) => l.pe_present_on_image === 1)) {
    throw new PhantomError('PLACEMENT_FAILED', 'the emboli touch no slice of the scan', { details: { seed: options.seed } });
  }

  const truth = buildTruth({
    kind: reported,
    chronicity: reported === 'positive' ? chronicityOf(emboli) : null,
    anatomy,
    grid,
    sliceZ,
    renderZ,
    sliceSpacingMm: spacing,
    sliceThicknessMm: protocol.sliceThicknessMm,
    emboli,
    motionSlices: [...motion.keys()],
    couchTopY,
  });
  return {
    studyInstanceUid: uids.study,
    seriesInstanceUid: uids.series,
    patientId,
    kind: reported,
    protocol,
    files,
    labels: studyLabels(reported, emboli, rvLvRatio, qa),
    sliceLabels,
    truth,
  };
}
