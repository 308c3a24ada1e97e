/**
 * Series assembly: group instances by SeriesInstanceUID, order slices along the slice normal,
 * report geometry problems, and choose the series to analyse.
 */
import { derivedView } from '@embolus/shared';
import { DicomError } from './errors';
import { angleDeg, axesOf, dot, median, sub, unit } from './geometry';
import type { InstanceInfo, Vec3 } from './instance-info';

/** A problem found while assembling a series; never fatal on its own. */
export interface SeriesWarning {
  code:
    | 'DUPLICATE_SLICES'
    | 'MISSING_SLICES'
    | 'IRREGULAR_SPACING'
    | 'GANTRY_TILT'
    | 'MIXED_IMAGE_SIZES'
    | 'NON_AXIAL'
    | 'MIXED_ORIENTATIONS'
    | 'NO_GEOMETRY'
    | 'SINGLE_SLICE';
  message: string;
  details?: Record<string, unknown>;
}

/** One slice: a frame of an instance, placed along the normal. */
export interface SliceRef {
  info: InstanceInfo;
  frame: number;
  /** Position along the slice normal (mm); NaN without geometry. */
  position: number;
  sopInstanceUid: string;
}

/** A series ready to be turned into a volume. */
export interface SeriesPlan {
  seriesInstanceUid: string;
  studyInstanceUid?: string;
  modality?: string;
  description?: string;
  /** ImageType (0008,0008) of the first instance, e.g. ORIGINAL\\PRIMARY\\AXIAL or …\\LOCALIZER. */
  imageType: string[];
  /** Slices sorted by ascending position along the normal (inferior → superior for axial). */
  slices: SliceRef[];
  rows: number;
  cols: number;
  /** [row spacing, column spacing] in mm. */
  pixelSpacing?: [number, number];
  /** Median distance between consecutive slices (mm). */
  sliceSpacing?: number;
  sliceThickness?: number;
  /** Unit vectors: row direction, column direction, slice normal. */
  direction?: { row: Vec3; col: Vec3; normal: Vec3 };
  /** Position of the first voxel of the first slice. */
  origin?: Vec3;
  axial: boolean;
  /** Degrees between the slice normal and the direction the slices advance in. */
  tiltDeg: number;
  warnings: SeriesWarning[];
}

const NO_SERIES = '(no SeriesInstanceUID)';
const iop0 = (i: InstanceInfo, f: number) => i.planes[f]?.imageOrientationPatient ?? i.planes[0]?.imageOrientationPatient;

/** Groups instances by SeriesInstanceUID (instances without one share a group). */
export function groupBySeries(infos: readonly InstanceInfo[]): Map<string, InstanceInfo[]> {
  const groups = new Map<string, InstanceInfo[]>();
  for (const info of infos) {
    const key = info.seriesInstanceUid ?? NO_SERIES;
    const g = groups.get(key);
    if (g) g.push(info);
    else groups.set(key, [info]);
  }
  return groups;
}

/**
 * Orders the slices of one series and reports problems. Sorting uses the position along the
 * normal from ImageOrientationPatient; without geometry it falls back to InstanceNumber.
 */
export function planSeries(infos: readonly InstanceInfo[]): SeriesPlan {
  const withPixels = infos.filter((i) => i.pixel);
  const first = withPixels[0];
  if (!first?.pixel) throw new DicomError('EMPTY_SERIES', 'the series has no instances with pixel data');
  const warnings: SeriesWarning[] = [];
  const sizes = new Set(withPixels.map((i) => `${i.pixel!.cols}x${i.pixel!.rows}`));
  if (sizes.size > 1)
    warnings.push({
      code: 'MIXED_IMAGE_SIZES',
      message: `slices have different sizes: ${[...sizes].join(', ')}`,
      details: { sizes: [...sizes] },
    });

  const refIop = iop0(first, 0);
  const axes = refIop ? axesOf(refIop) : undefined;
  let slices: SliceRef[] = [];
  let orientations = 0;
  const seenIop = new Set<string>();
  for (const info of withPixels) {
    for (let f = 0; f < info.pixel!.frames; f++) {
      const ipp = info.planes[f]?.imagePositionPatient;
      const iop = iop0(info, f);
      if (iop) seenIop.add(iop.map((v) => v.toFixed(3)).join(','));
      const position = axes && ipp ? dot(ipp, axes.normal) : NaN;
      slices.push({ info, frame: f, position, sopInstanceUid: info.sopInstanceUid ?? `${info.source}#${f}` });
    }
  }
  orientations = seenIop.size;
  if (orientations > 1)
    warnings.push({ code: 'MIXED_ORIENTATIONS', message: `${orientations} different ImageOrientationPatient values in one series` });

  const geometric = axes !== undefined && slices.every((s) => Number.isFinite(s.position));
  if (geometric) {
    slices.sort((a, b) => a.position - b.position || (a.info.instanceNumber ?? 0) - (b.info.instanceNumber ?? 0));
  } else {
    warnings.push({
      code: 'NO_GEOMETRY',
      message: 'ImagePositionPatient/ImageOrientationPatient missing: slices ordered by InstanceNumber',
    });
    slices.sort((a, b) => (a.info.instanceNumber ?? 0) - (b.info.instanceNumber ?? 0) || a.frame - b.frame);
  }

  // Duplicates: the same position twice (re-sent instance, or two acquisitions mixed).
  if (geometric) {
    const kept: SliceRef[] = [];
    let dup = 0;
    for (const s of slices) {
      const prev = kept[kept.length - 1];
      if (prev && Math.abs(prev.position - s.position) < 1e-3) dup++;
      else kept.push(s);
    }
    if (dup > 0)
      warnings.push({
        code: 'DUPLICATE_SLICES',
        message: `${dup} slice(s) share a position with another and were dropped`,
        details: { count: dup },
      });
    slices = kept;
  }

  const gaps = geometric ? slices.slice(1).map((s, i) => s.position - slices[i]!.position) : [];
  const sliceSpacing = gaps.length ? median(gaps) : undefined;
  if (sliceSpacing !== undefined && sliceSpacing > 0) {
    const irregular = gaps.filter((g) => Math.abs(g - sliceSpacing) > Math.max(0.01, 0.1 * sliceSpacing));
    const missing = gaps.filter((g) => g > 1.5 * sliceSpacing);
    if (missing.length > 0) {
      const count = missing.reduce((n, g) => n + Math.round(g / sliceSpacing) - 1, 0);
      warnings.push({
        code: 'MISSING_SLICES',
        message: `${missing.length} gap(s) suggest about ${count} missing slice(s)`,
        details: { gaps: missing.length, estimated: count },
      });
    }
    if (irregular.length > 0) {
      warnings.push({
        code: 'IRREGULAR_SPACING',
        message:
          `slice spacing varies from ${Math.min(...gaps).toFixed(2)} to ${Math.max(...gaps).toFixed(2)} mm ` +
          `(median ${sliceSpacing.toFixed(2)})`,
        details: { min: Math.min(...gaps), max: Math.max(...gaps), median: sliceSpacing },
      });
    }
  }
  if (slices.length === 1) warnings.push({ code: 'SINGLE_SLICE', message: 'the series has a single slice' });

  // Gantry tilt: slices advance along a direction that is not the slice normal.
  let tiltDeg = 0;
  const firstPos = slices[0]?.info.planes[slices[0].frame]?.imagePositionPatient;
  const lastSlice = slices[slices.length - 1];
  const lastPos = lastSlice?.info.planes[lastSlice.frame]?.imagePositionPatient;
  if (axes && firstPos && lastPos && slices.length > 1) {
    const travel = sub(lastPos, firstPos);
    if (Math.hypot(...travel) > 1e-6) tiltDeg = angleDeg(travel, axes.normal);
  }
  const declaredTilt = first.gantryTilt ?? 0;
  if (tiltDeg > 0.5 || Math.abs(declaredTilt) > 0.5) {
    warnings.push({
      code: 'GANTRY_TILT',
      message: `slices are sheared by ${tiltDeg.toFixed(1)}° (GantryDetectorTilt ${declaredTilt}°)`,
      details: { shearDeg: tiltDeg, gantryDetectorTilt: declaredTilt },
    });
  }

  // Axial: the normal is within 45° of the patient's head–foot axis.
  const axial = axes ? Math.abs(axes.normal[2]) >= Math.SQRT1_2 : false;
  if (axes && !axial)
    warnings.push({ code: 'NON_AXIAL', message: `slice normal (${axes.normal.map((v) => v.toFixed(2)).join(', ')}) is not axial` });

  const plan: SeriesPlan = {
    seriesInstanceUid: first.seriesInstanceUid ?? NO_SERIES,
    imageType: [...first.imageType],
    slices,
    rows: first.pixel.rows,
    cols: first.pixel.cols,
    axial,
    tiltDeg,
    warnings,
  };
  if (first.studyInstanceUid) plan.studyInstanceUid = first.studyInstanceUid;
  if (first.modality) plan.modality = first.modality;
  if (first.seriesDescription) plan.description = first.seriesDescription;
  const p0 = first.planes[0];
  if (p0?.pixelSpacing) plan.pixelSpacing = p0.pixelSpacing;
  if (p0?.sliceThickness !== undefined) plan.sliceThickness = p0.sliceThickness;
  if (sliceSpacing !== undefined) plan.sliceSpacing = sliceSpacing;
  if (axes) plan.direction = { row: axes.row, col: axes.col, normal: unit(axes.normal) };
  if (firstPos) plan.origin = firstPos;
  return plan;
}

/** The series chosen for analysis, the others, and why. */
export interface SeriesChoice {
  chosen: SeriesPlan;
  reason: string;
  candidates: SeriesPlan[];
  rejected: { seriesInstanceUid: string; reason: string }[];
}

/**
 * Chooses the series to analyse: axial CT first, original slices before localizers and
 * reformats (an axial MPR or MIP may have more slices than the acquisition it was made from, and
 * the quality gates would refuse it), then the most slices, then the thinnest.
 * Throws NO_CT_SERIES when no series qualifies.
 */
export function chooseSeries(plans: readonly SeriesPlan[]): SeriesChoice {
  const rejected: SeriesChoice['rejected'] = [];
  const eligible = plans.filter((p) => {
    const why =
      p.modality !== 'CT'
        ? `modality ${p.modality ?? 'missing'}, not CT`
        : !p.axial
          ? 'not axial'
          : p.slices.length < 2
            ? 'a single slice'
            : p.slices[0]?.info.pixel?.samplesPerPixel !== 1
              ? 'not greyscale'
              : undefined;
    if (why) rejected.push({ seriesInstanceUid: p.seriesInstanceUid, reason: why });
    return !why;
  });
  if (eligible.length === 0) {
    throw new DicomError('NO_CT_SERIES', `no axial CT series with at least 2 slices among ${plans.length} series`, {
      details: { rejected },
    });
  }
  const thickness = (p: SeriesPlan) => p.sliceThickness ?? p.sliceSpacing ?? Infinity;
  const derived = (p: SeriesPlan) => (derivedView(p.imageType) ? 1 : 0);
  const ranked = [...eligible].sort((a, b) => derived(a) - derived(b) || b.slices.length - a.slices.length || thickness(a) - thickness(b));
  const chosen = ranked[0]!;
  const reason =
    ranked.length === 1
      ? `the only axial CT series (${chosen.slices.length} slices)`
      : `axial CT with the most slices (${chosen.slices.length}) and ${thickness(chosen)} mm slices, ` +
        `out of ${ranked.length} axial CT series`;
  return { chosen, reason, candidates: ranked, rejected };
}
