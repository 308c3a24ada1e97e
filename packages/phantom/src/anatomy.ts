/**
 * The synthetic patient: body habitus, lungs, diaphragm, heart, spine, ribs, vessels and the
 * Hounsfield units of every tissue, all drawn from the seed. Sizes are adult averages scaled by
 * the patient's build; positions are DICOM patient coordinates (LPS, mm).
 */
import type { Tube, Vec3 } from './geometry';
import { rngFor } from './random';
import {
  airways,
  arteryTreeRoots,
  greatVessels,
  peripheralRoots,
  pulmonaryArteries,
  veinTreeRoots,
  vesselTree,
  type Artery,
  type Place,
} from './vessels';

/** Half-axes of the body outline, drawn first because the field of view depends on them. */
export interface BodySize {
  /** Half-width (left–right), mm. */
  a: number;
  /** Half-depth (anterior–posterior), mm. */
  b: number;
}

/** An axis-aligned ellipse in the axial plane. */
export interface Ellipse {
  cx: number;
  cy: number;
  a: number;
  b: number;
}

/** One lung: its axial outline, apex and the diaphragm dome beneath it. */
export interface Lung extends Ellipse {
  /** Above this z the outline shrinks towards the apex. */
  taperZ: number;
  apexZ: number;
  /**
   * The dome is a paraboloid z = peakZ − k·q, q being the squared elliptic radius around
   * (cx, cy) with half-axes (a, b) = 1: at height z the abdomen fills q < (peakZ − z)/k.
   */
  dome: Ellipse & { peakZ: number; k: number };
}

/**
 * The heart in the axial plane. Its long axis `u = (cos θ, −sin θ)` points to the apex (left and
 * anterior); the septum runs along u, and the ventricles sit either side of it along
 * `v = (sin θ, cos θ)`: the RV anterior-right (−v), the LV posterior-left (+v).
 */
export interface Heart {
  cx: number;
  cy: number;
  zc: number;
  angle: number;
  /** RV cavity diameter perpendicular to the septum at its widest (the CTPA RV measurement), mm. */
  rvDiameterMm: number;
  /** LV cavity diameter perpendicular to the septum at its widest, mm. */
  lvDiameterMm: number;
  septumMm: number;
  rvWallMm: number;
  lvWallMm: number;
  /** Cavity half-length along the long axis, mm. */
  halfLengthMm: number;
  /** Cavity half-height (z), mm. */
  halfHeightMm: number;
}

/** Hounsfield units of blood in each compartment and of the other tissues. */
export interface TissueHu {
  air: number;
  fat: number;
  muscle: number;
  lung: number;
  /** Extra HU of dependent (posterior) lung: gravity makes it denser. */
  lungGradient: number;
  bone: number;
  disc: number;
  csf: number;
  abdomen: number;
  myocardium: number;
  /** Contrast in the pulmonary arteries (≈ 250–400 HU in a diagnostic CTPA). */
  pulmonaryArtery: number;
  rightVentricle: number;
  leftHeart: number;
  aorta: number;
  svc: number;
  pulmonaryVein: number;
  couch: number;
  /** Unopacified venous blood. */
  blood: number;
}

/** Everything the renderer draws. */
export interface Anatomy {
  /** Build factor (1 = average adult). */
  scale: number;
  body: Ellipse & { fatMm: number; wallMm: number };
  /** z of the pulmonary trunk bifurcation: the anatomical reference level. */
  bifurcationZ: number;
  lungs: { right: Lung; left: Lung };
  mediastinum: Ellipse & { zLo: number; zHi: number };
  heart: Heart;
  leftAtrium: Ellipse & { zc: number; c: number };
  spine: { cx: number; cy: number; a: number; b: number; discPeriod: number; discPhase: number; discMm: number };
  /** z where each rib meets the spine (posterior end); ribs descend as they run forward. */
  ribZ: number[];
  ribSlopeMm: number;
  sternum: Ellipse & { zLo: number; zHi: number };
  arteries: Artery[];
  /** Aorta and the arch branches. */
  aorta: Tube[];
  /** Superior vena cava and right brachiocephalic vein: undiluted contrast. */
  svc: Tube[];
  /** Unopacified systemic veins (left brachiocephalic). */
  plainVeins: Tube[];
  airways: Tube[];
  lungArteries: Tube[];
  lungVeins: Tube[];
  hu: TissueHu;
  /** Whether the contrast bolus was mistimed (the qa_contrast artefact). */
  poorContrast: boolean;
}

/** Draws the body outline size from the seed. */
export function drawBodySize(seed: number): BodySize {
  const rng = rngFor(seed, 'body-size');
  const a = rng.range(140, 175);
  return { a, b: a * rng.range(0.66, 0.78) };
}

/** Inside the lung outline at z, ignoring the mediastinum and vessels (used to grow vessel trees). */
export function insideLungOutline(lung: Lung, p: Vec3, margin: number): boolean {
  const [x, y, z] = p;
  if (z >= lung.apexZ - margin) return false;
  const t = z > lung.taperZ ? Math.sqrt(1 - ((z - lung.taperZ) / (lung.apexZ - lung.taperZ)) ** 2) : 1;
  const a = lung.a * t - margin,
    b = lung.b * t - margin;
  if (a <= 0 || b <= 0 || ((x - lung.cx) / a) ** 2 + ((y - lung.cy) / b) ** 2 >= 1) return false;
  const d = lung.dome;
  const q = ((x - d.cx) / d.a) ** 2 + ((y - d.cy) / d.b) ** 2;
  return z - margin > d.peakZ - d.k * q;
}

/**
 * Builds the patient. `centre` is the body centre in the axial plane (it moves with table
 * height); `bifurcationZ` places the anatomy along the table; the study decides the contrast
 * timing and the RV/LV diameter ratio (RV strain is what raises it in acute PE).
 */
export function buildAnatomy(
  seed: number,
  size: BodySize,
  centre: [number, number],
  bifurcationZ: number,
  study: { poorContrast: boolean; rvLvRatio: number },
): Anatomy {
  const { poorContrast } = study;
  const rng = rngFor(seed, 'anatomy');
  const s = size.a / 160;
  const [bx, by] = centre;
  const place: Place = (p) => [bx + p[0] * s, by + p[1] * s, bifurcationZ + p[2] * s];
  const fatMm = rng.range(8, 25) * s;
  const wallMm = rng.range(14, 20) * s;
  const inA = size.a - fatMm - wallMm,
    inB = size.b - fatMm - wallMm;
  const lung = (side: -1 | 1, peak: number): Lung => ({
    cx: bx + side * inA * 0.5,
    cy: by + inB * 0.05,
    a: inA * rng.range(0.46, 0.5),
    b: inB * rng.range(0.9, 0.97),
    taperZ: bifurcationZ + 50 * s,
    apexZ: bifurcationZ + rng.range(125, 145) * s,
    // The dome peaks anteriorly, so the posterior costophrenic recesses reach lowest.
    dome: {
      cx: bx + side * inA * 0.45,
      cy: by - inB * 0.15,
      a: inA * 0.55,
      b: inB,
      peakZ: bifurcationZ + peak * s,
      k: rng.range(45, 70) * s,
    },
  });
  // The liver lifts the right hemidiaphragm above the left one.
  const lungs = { right: lung(-1, rng.range(-105, -92)), left: lung(1, rng.range(-118, -105)) };

  const lvDiameterMm = rng.range(38, 50) * s;
  const heart: Heart = {
    cx: bx + 25 * s,
    cy: by - 25 * s,
    zc: bifurcationZ - 82 * s,
    angle: rng.range(0.6, 0.8),
    lvDiameterMm,
    rvDiameterMm: lvDiameterMm * study.rvLvRatio,
    septumMm: rng.range(8, 11) * s,
    rvWallMm: rng.range(3, 5) * s,
    lvWallMm: rng.range(9, 12) * s,
    halfLengthMm: rng.range(32, 38) * s,
    halfHeightMm: rng.range(34, 40) * s,
  };

  const pa = poorContrast ? rng.range(80, 130) : rng.range(260, 420);
  // In the pulmonary-arterial phase the bolus has reached the right heart and pulmonary arteries
  // but only partly the left heart and aorta; the SVC still holds undiluted contrast.
  const left = 40 + (pa - 40) * rng.range(0.35, 0.6);
  const hu: TissueHu = {
    air: -1000,
    fat: rng.range(-110, -85),
    muscle: rng.range(35, 55),
    lung: rng.range(-875, -835),
    lungGradient: rng.range(20, 50),
    bone: rng.range(720, 900),
    disc: rng.range(70, 100),
    csf: rng.range(10, 25),
    abdomen: rng.range(55, 75),
    myocardium: rng.range(40, 60) + (pa - 40) * 0.1,
    pulmonaryArtery: pa,
    rightVentricle: pa * rng.range(0.9, 1.02),
    leftHeart: left,
    aorta: left * rng.range(0.95, 1.05),
    svc: Math.min(1400, pa * rng.range(1.4, 2.4)),
    pulmonaryVein: left * rng.range(0.9, 1),
    couch: rng.range(-250, -150),
    blood: rng.range(35, 50),
  };

  const arteries = pulmonaryArteries(place, s, rng);
  const inLung = (p: Vec3) => insideLungOutline(lungs.right, p, 3) || insideLungOutline(lungs.left, p, 3);
  const spineY = by + size.b * 0.45;
  const periphery = (r0: number, r1: number) =>
    (['right', 'left'] as const).flatMap((side) => {
      const l = lungs[side];
      const sign = side === 'right' ? -1 : 1;
      const inside = (p: Vec3) => insideLungOutline(l, p, 8);
      const bounds = { lo: [l.cx - l.a, l.cy - l.b, l.dome.peakZ - 2 * l.dome.k] as Vec3, hi: [l.cx + l.a, l.cy + l.b, l.apexZ] as Vec3 };
      return peripheralRoots(inside, bounds, [l.cx - sign * l.a * 0.6, l.cy, bifurcationZ - 15 * s], 26 * s, [r0 * s, r1 * s], rng);
    });
  return {
    scale: s,
    body: { cx: bx, cy: by, a: size.a, b: size.b, fatMm, wallMm },
    bifurcationZ,
    lungs,
    // From behind the sternum to just in front of the spine, separating the two lungs.
    mediastinum: {
      cx: bx + 4 * s,
      cy: (by - inB * 0.95 + spineY - 12 * s) / 2,
      a: 30 * s,
      b: (spineY - 12 * s - by + inB * 0.95) / 2,
      zLo: bifurcationZ - 150 * s,
      zHi: bifurcationZ + 150 * s,
    },
    heart,
    leftAtrium: { cx: bx + 8 * s, cy: by + 6 * s, zc: bifurcationZ - 48 * s, a: 30 * s, b: 16 * s, c: 18 * s },
    spine: { cx: bx, cy: spineY, a: 21 * s, b: 17 * s, discPeriod: 26 * s, discPhase: rng.range(0, 26), discMm: 5 * s },
    ribZ: Array.from({ length: 12 }, (_, k) => bifurcationZ + (-150 + 25 * k + rng.range(-3, 3)) * s),
    ribSlopeMm: 18 * s,
    sternum: { cx: bx, cy: by - inB + 7 * s, a: 14 * s, b: 6 * s, zLo: bifurcationZ - 115 * s, zHi: bifurcationZ + 60 * s },
    arteries,
    ...greatVessels(place, s, rng),
    airways: airways(place, s),
    lungArteries: vesselTree([...arteryTreeRoots(arteries), ...periphery(2.2, 3)], inLung, rng),
    lungVeins: vesselTree([...veinTreeRoots(place, s), ...periphery(2, 2.8)], inLung, rng),
    hu,
    poorContrast,
  };
}
