/**
 * Emboli: filling defects of 20–70 HU inside the contrast-filled pulmonary arteries.
 *
 * Every embolus is one shape: the part of a cylinder (radius r, axis from `start` to `end` on the
 * vessel centreline) whose offset along `normal` lies in [uMin, uMax]. That one form gives all
 * four CTPA morphologies:
 *  - acute central: a narrower cylinder in mid-lumen, contrast all round ("polo mint" sign);
 *  - acute occlusive: the whole lumen, no contrast passes;
 *  - chronic eccentric: a crescent against one wall (band [r − h, r]), obtuse angles with the wall;
 *  - chronic web: a thin band across the lumen (band [−w/2, w/2]).
 * The shape is convex, so its z-extent (hence which slices it touches) is computed exactly.
 */
import { add, cross, lerp, norm, perpendicular, rotate, scale, sub, tubeRadiusAt, unit, type Vec3 } from './geometry';
import type { Rng } from './random';
import type { Artery, ArteryGroup } from './vessels';

/** CTPA morphology of an embolus. */
export type EmbolusMorphology = 'central' | 'occlusive' | 'eccentric' | 'web';

/** Ground truth of one embolus (mm, patient coordinates). */
export interface Embolus {
  artery: string;
  /** Where it counts in the labels: trunk and main arteries are central. */
  location: ArteryGroup;
  chronic: boolean;
  morphology: EmbolusMorphology;
  /** Axis end points, on the vessel centreline. */
  start: Vec3;
  end: Vec3;
  lengthMm: number;
  /** Radius of the embolus cylinder (equal to the lumen radius except for central emboli). */
  radiusMm: number;
  /** Smallest lumen radius of the host vessel along the embolus. */
  lumenRadiusMm: number;
  /** Unit vector perpendicular to the axis along which the band [uMin, uMax] is measured. */
  normal: Vec3;
  uMin: number;
  uMax: number;
  hu: number;
  /** A point well inside the embolus (mid-axis, moved to the middle of the band). */
  centre: Vec3;
  /** Exact lowest and highest z of the embolus. */
  zRange: [number, number];
}

/** True when the patient-space point lies inside the embolus. */
export function embolusContains(e: Embolus, x: number, y: number, z: number): boolean {
  const ax = e.end[0] - e.start[0],
    ay = e.end[1] - e.start[1],
    az = e.end[2] - e.start[2];
  const px = x - e.start[0],
    py = y - e.start[1],
    pz = z - e.start[2];
  const s = (px * ax + py * ay + pz * az) / (e.lengthMm * e.lengthMm);
  if (s < 0 || s > 1) return false;
  const qx = px - s * ax,
    qy = py - s * ay,
    qz = pz - s * az;
  if (qx * qx + qy * qy + qz * qz > e.radiusMm * e.radiusMm) return false;
  const u = qx * e.normal[0] + qy * e.normal[1] + qz * e.normal[2];
  return u >= e.uMin && u <= e.uMax;
}

/**
 * Exact z-extent. The cross-section is a disc cut by the band; a linear function (here z) takes
 * its extremes over that convex set either on the arc where the gradient points, or at the
 * corners where the band's chords meet the circle.
 */
export function embolusZRange(start: Vec3, end: Vec3, r: number, normal: Vec3, uMin: number, uMax: number): [number, number] {
  const axis = unit(sub(end, start));
  const m = cross(axis, normal);
  const nz = normal[2],
    mz = m[2];
  const values: number[] = [];
  const g = Math.hypot(nz, mz);
  for (const sign of [1, -1]) {
    const u = g === 0 ? 0 : (sign * r * nz) / g;
    if (u >= uMin && u <= uMax) values.push(sign * r * g);
  }
  for (const u of [uMin, uMax]) {
    const w = Math.sqrt(Math.max(0, r * r - u * u));
    values.push(u * nz + w * mz, u * nz - w * mz);
  }
  const lo = Math.min(...values),
    hi = Math.max(...values);
  return [Math.min(start[2], end[2]) + lo, Math.max(start[2], end[2]) + hi];
}

/** Study-level chronicity in RSNA-STR terms. */
export type Chronicity = 'acute' | 'chronic' | 'acute_and_chronic';

/** Constraints on placement: the z-range every embolus must lie in (the imaged slab). */
export interface PlacementWindow {
  zLo: number;
  zHi: number;
}

const ACUTE_HU: [number, number] = [35, 68];
const CHRONIC_HU: [number, number] = [22, 60];

/**
 * How visible emboli are. `clinical` (the full preset) draws the whole range, thin webs and
 * crescents included. `conspicuous` (the demo preset) draws the same morphologies larger: 3–5
 * emboli, mostly occlusive acute clots 30–50 mm long, thicker crescents and webs, and only in
 * arteries of at least 7 mm lumen (4–6 pixels at 192²). A model trained for 25 minutes on 2 CPU
 * cores from scratch learns those when its batches pair them with embolus-free twins (the trainer's
 * `demo` config); the subtle ones need the paper's GPU budget.
 */
export type EmbolusStyle = 'clinical' | 'conspicuous';

interface StyleParams {
  occlusive: number;
  length: [number, number];
  webLength: [number, number];
  centralFraction: [number, number];
  crescent: [number, number];
  crescentMin: number;
  web: [number, number];
  webMin: number;
  counts: number[];
  /** Smallest embolus radius drawn (mm); thinner ones are redrawn elsewhere. */
  minRadius: number;
}

const STYLES: Record<EmbolusStyle, StyleParams> = {
  clinical: {
    occlusive: 0.4,
    length: [12, 32],
    webLength: [8, 14],
    centralFraction: [0.5, 0.72],
    crescent: [0.45, 0.7],
    crescentMin: 2.5,
    web: [0.16, 0.24],
    webMin: 1.5,
    counts: [1, 1, 1, 2, 2, 2, 3, 3, 4],
    minRadius: 2.5,
  },
  conspicuous: {
    occlusive: 0.85,
    length: [30, 50],
    webLength: [14, 20],
    centralFraction: [0.7, 0.82],
    crescent: [0.75, 0.9],
    crescentMin: 4,
    web: [0.35, 0.45],
    webMin: 3,
    counts: [3, 3, 4, 4, 5],
    minRadius: 3.5,
  },
};

function shape(rng: Rng, artery: Artery, chronic: boolean, window: PlacementWindow, st: StyleParams): Embolus | undefined {
  const tube = rng.pick(artery.tubes);
  const axisLen = norm(sub(tube.b, tube.a));
  const morphology: EmbolusMorphology = chronic
    ? rng.chance(0.65)
      ? 'eccentric'
      : 'web'
    : rng.chance(1 - st.occlusive)
      ? 'central'
      : 'occlusive';
  const want = morphology === 'web' ? rng.range(...st.webLength) : rng.range(...st.length);
  const lengthMm = Math.min(want, axisLen - 2);
  if (lengthMm < 6) return undefined;
  const s0 = rng.range(1, axisLen - 1 - lengthMm) / axisLen;
  const s1 = s0 + lengthMm / axisLen;
  const start = lerp(tube.a, tube.b, s0);
  const end = lerp(tube.a, tube.b, s1);
  const lumen = Math.min(tubeRadiusAt(tube, s0), tubeRadiusAt(tube, s1));
  const axis = unit(sub(end, start));
  const normal = rotate(perpendicular(axis), axis, rng.range(0, 2 * Math.PI));
  let radiusMm = lumen,
    uMin = -lumen,
    uMax = lumen;
  if (morphology === 'central') {
    radiusMm = lumen * rng.range(...st.centralFraction);
    uMin = -radiusMm;
    uMax = radiusMm;
  } else if (morphology === 'eccentric') {
    // Mural thrombus at least 2.5 mm thick so it survives resampling to 1 mm and 192² slices.
    uMin = lumen - Math.max(st.crescentMin, lumen * rng.range(...st.crescent));
  } else if (morphology === 'web') {
    const half = Math.max(st.webMin, lumen * rng.range(...st.web));
    uMin = -half;
    uMax = half;
  }
  // Visible embolus size floor: narrower than ~2.5 mm radius vanishes at 192² (the demo style asks for more).
  if (radiusMm < st.minRadius) return undefined;
  const zRange = embolusZRange(start, end, radiusMm, normal, uMin, uMax);
  if (zRange[0] < window.zLo || zRange[1] > window.zHi) return undefined;
  const [lo, hi] = chronic ? CHRONIC_HU : ACUTE_HU;
  return {
    artery: artery.name,
    location: artery.group,
    chronic,
    morphology,
    start,
    end,
    lengthMm,
    radiusMm,
    lumenRadiusMm: lumen,
    normal,
    uMin,
    uMax,
    hu: rng.range(lo, hi),
    centre: add(lerp(start, end, 0.5), scale(normal, (uMin + uMax) / 2)),
    zRange,
  };
}

/**
 * Places 1–4 emboli in arteries that the scan covers. Each embolus first draws a location
 * (central, left, right), then an artery of that group, then a spot along it; a draw that does
 * not fit inside the scanned slab is retried. Throws nothing: returns [] when nothing fits.
 */
export function placeEmboli(
  rng: Rng,
  arteries: Artery[],
  chronicity: Chronicity,
  window: PlacementWindow,
  style: EmbolusStyle = 'clinical',
): Embolus[] {
  const st = STYLES[style];
  const count = rng.pick(st.counts);
  const chronicFlags = Array.from({ length: count }, () => chronicity === 'chronic');
  if (chronicity === 'acute_and_chronic') {
    // Both kinds present: at least one acute and one chronic embolus.
    const n = Math.max(2, count);
    chronicFlags.length = 0;
    for (let i = 0; i < n; i++) chronicFlags.push(i === 0 ? true : i === 1 ? false : rng.chance(0.5));
  }
  const out: Embolus[] = [];
  for (const chronic of chronicFlags) {
    for (let attempt = 0; attempt < 60; attempt++) {
      const group = rng.pick<ArteryGroup>(['central', 'left', 'right']);
      const candidates = arteries.filter((a) => a.group === group);
      if (candidates.length === 0) continue;
      const e = shape(rng, rng.pick(candidates), chronic, window, st);
      if (e) {
        out.push(e);
        break;
      }
    }
  }
  return out;
}
