/**
 * The tube-shaped anatomy: pulmonary arteries from the trunk to the lobar branches, the great
 * vessels, the airways, and procedural intrapulmonary artery and vein trees.
 *
 * Control points are written in a body frame (mm from the body centre, z from the pulmonary
 * trunk bifurcation, LPS axes) for an average adult and mapped through `place`, which scales
 * them to the patient and moves them to the table position.
 */
import { add, chain, dot, norm, perpendicular, rotate, scale, sub, unit, type Tube, type Vec3 } from './geometry';
import type { Rng } from './random';

/** Where an embolus in this artery counts in the RSNA-STR labels. */
export type ArteryGroup = 'central' | 'left' | 'right';

/** A named artery large enough to hold a visible embolus. */
export interface Artery {
  name: string;
  /** Trunk and main pulmonary arteries are central; lobar branches belong to their lung. */
  group: ArteryGroup;
  tubes: Tube[];
}

/** Maps a body-frame point (mm) to patient coordinates. */
export type Place = (p: Vec3) => Vec3;

/**
 * Trunk, main and lobar pulmonary arteries. The trunk leaves the right ventricle anteriorly,
 * left of the aortic root, and climbs posteriorly to the bifurcation; the right pulmonary artery
 * runs behind the ascending aorta to the right hilum, the left one arches over the left main
 * bronchus. Lobar branches then head up (upper lobes), forward (middle lobe, lingula) and down
 * (lower lobes). Calibres follow adult CTPA norms: trunk ≈ 27 mm, main ≈ 20 mm, lobar 8–14 mm.
 */
export function pulmonaryArteries(place: Place, s: number, rng: Rng): Artery[] {
  const j = (p: Vec3): Vec3 => place([p[0] + rng.range(-3, 3), p[1] + rng.range(-3, 3), p[2] + rng.range(-3, 3)]);
  const bif = place([14, -12, 0]);
  const rHilum = j([-58, 2, -10]);
  const lHilum = j([55, 12, -5]);
  const trunkR = rng.range(12.5, 15) * s;
  const mainR = trunkR * rng.range(0.7, 0.8);
  const lobarR = mainR * rng.range(0.6, 0.7);
  const artery = (name: string, group: ArteryGroup, points: Vec3[], r0: number, r1: number): Artery => ({
    name,
    group,
    tubes: chain(points, r0, r1),
  });
  const rInterlobar = j([-72, 12, -42]);
  const lDescending = j([66, 26, -40]);
  return [
    artery('pulmonary trunk', 'central', [place([10, -44, -58]), j([15, -48, -38]), j([20, -36, -18]), bif], trunkR, trunkR * 0.95),
    artery('right pulmonary artery', 'central', [bif, j([-10, -6, -3]), j([-40, -2, -6]), rHilum], mainR, mainR * 0.9),
    artery('left pulmonary artery', 'central', [bif, j([32, -4, 3]), j([46, 5, 2]), lHilum], mainR * 0.97, mainR * 0.87),
    artery('right upper lobe artery', 'right', [j([-44, -2, -6]), j([-60, -10, 22]), j([-66, -6, 48])], lobarR, lobarR * 0.7),
    artery('right interlobar artery', 'right', [rHilum, rInterlobar, j([-76, 24, -80])], lobarR * 1.2, lobarR * 0.9),
    artery('right middle lobe artery', 'right', [rInterlobar, j([-82, -26, -52])], lobarR * 0.8, lobarR * 0.6),
    artery('right lower lobe basal artery', 'right', [j([-76, 24, -80]), j([-86, 34, -122])], lobarR * 0.9, lobarR * 0.65),
    artery('left upper lobe artery', 'left', [j([50, 8, 0]), j([62, 0, 28]), j([66, 4, 52])], lobarR, lobarR * 0.7),
    artery('lingular artery', 'left', [lDescending, j([90, -10, -40])], lobarR * 0.75, lobarR * 0.55),
    artery('left lower lobe artery', 'left', [lHilum, lDescending, j([72, 35, -85]), j([78, 40, -125])], lobarR * 1.15, lobarR * 0.7),
  ];
}

/**
 * Aorta (ascending, arch with its three branches, descending) and the veins carrying the bolus.
 * Contrast injected in the right arm reaches the SVC through the right brachiocephalic vein
 * undiluted; the left brachiocephalic vein, crossing in front of the arch branches, carries
 * unopacified blood.
 */
export function greatVessels(place: Place, s: number, rng: Rng): { aorta: Tube[]; svc: Tube[]; plainVeins: Tube[] } {
  const r = rng.range(13, 16) * s;
  const aorta = chain(
    [
      [-18, -30, -70],
      [-20, -34, -30],
      [-18, -32, 25],
      [-12, -28, 40],
      [5, -15, 50],
      [24, 8, 48],
      [28, 26, 35],
      [28, 30, 15],
      [26, 32, -120],
      [22, 30, -260],
    ].map((p) => place(p as Vec3)),
    r,
    r * 0.8,
  );
  const branches = [
    chain([place([-4, -22, 46]), place([-22, -22, 90]), place([-30, -18, 140])], 7 * s, 6 * s),
    chain([place([8, -14, 50]), place([14, -20, 100]), place([18, -22, 150])], 4.5 * s, 4 * s),
    chain([place([20, 2, 48]), place([38, 4, 95]), place([55, 6, 130])], 6 * s, 5 * s),
  ].flat();
  const svc = chain([place([-70, -10, 140]), place([-50, -22, 95]), place([-45, -25, 70]), place([-45, -26, -35])], 8 * s, 10 * s);
  const plainVeins = chain([place([70, -10, 140]), place([45, -30, 88]), place([0, -36, 80]), place([-45, -25, 72])], 7 * s, 8 * s);
  return { aorta: [...aorta, ...branches], svc, plainVeins };
}

/** Trachea, carina and main bronchi (air). */
export function airways(place: Place, s: number): Tube[] {
  const carina = place([0, 14, 16]);
  return [
    ...chain([place([0, 8, 200]), carina], 9 * s, 8.5 * s),
    ...chain([carina, place([-36, 18, -2])], 7 * s, 6 * s),
    ...chain([carina, place([42, 22, -12])], 6 * s, 5.5 * s),
  ];
}

/** A point of origin of an intrapulmonary tree. */
export interface TreeRoot {
  p: Vec3;
  dir: Vec3;
  r: number;
}

/**
 * Grows a binary vessel tree: each branch runs 6–9 radii, then splits into two thinner children
 * (Murray-like calibre ratio ~0.7–0.8) turned 20–45° apart, until the calibre drops under ~0.8 mm
 * or a branch would leave the lung. Painting clips every branch to lung parenchyma, so the
 * `inside` test only keeps growth from wandering.
 */
export function vesselTree(roots: TreeRoot[], inside: (p: Vec3) => boolean, rng: Rng, maxDepth = 6): Tube[] {
  const tubes: Tube[] = [];
  const grow = (p: Vec3, dir: Vec3, r: number, depth: number): void => {
    let end: Vec3 | undefined;
    for (const f of [1, 0.6, 0.35]) {
      const q = add(p, scale(dir, Math.max(6, r * rng.range(6, 9)) * f));
      if (inside(q)) {
        end = q;
        break;
      }
    }
    if (!end) return;
    tubes.push({ a: p, b: end, ra: r, rb: r * 0.9 });
    if (depth >= maxDepth || r * 0.75 < 0.8) return;
    const axis = perpendicular(dir);
    const spin = rng.range(0, Math.PI);
    const plane = rotate(axis, dir, spin);
    for (const side of [-1, 1]) {
      const child = unit(rotate(dir, plane, side * rng.range(0.35, 0.8)));
      grow(end, child, r * rng.range(0.7, 0.8), depth + 1);
    }
  };
  for (const root of roots) grow(root.p, unit(root.dir), root.r, 0);
  return tubes;
}

/** Roots of the intrapulmonary arterial tree: the distal end and midpoints of each lobar artery. */
export function arteryTreeRoots(arteries: Artery[]): TreeRoot[] {
  const roots: TreeRoot[] = [];
  for (const a of arteries) {
    if (a.group === 'central') continue;
    for (const t of a.tubes) {
      const dir = sub(t.b, t.a);
      if (norm(dir) === 0) continue;
      roots.push({ p: t.b, dir, r: t.rb * 0.85 });
      // A side branch from the middle heads laterally, away from the mediastinum.
      const mid = add(t.a, scale(dir, 0.5));
      const lateral: Vec3 = [Math.sign(mid[0]) || 1, 0, 0];
      const side = sub(lateral, scale(unit(dir), dot(lateral, unit(dir))));
      if (norm(side) > 0.1) roots.push({ p: mid, dir: add(unit(side), scale(unit(dir), 0.5)), r: t.rb * 0.7 });
    }
  }
  return roots;
}

/**
 * Extra roots spread through the lung on a jittered grid, each pointing away from the hilum, so
 * that every slice shows the dozens of vessel cross-sections a real lung does; a tree grown only
 * from the hila leaves the periphery nearly empty within a few generations.
 */
export function peripheralRoots(
  inside: (p: Vec3) => boolean,
  bounds: { lo: Vec3; hi: Vec3 },
  hilum: Vec3,
  step: number,
  radius: [number, number],
  rng: Rng,
): TreeRoot[] {
  const roots: TreeRoot[] = [];
  for (let z = bounds.lo[2]; z <= bounds.hi[2]; z += step) {
    for (let y = bounds.lo[1]; y <= bounds.hi[1]; y += step) {
      for (let x = bounds.lo[0]; x <= bounds.hi[0]; x += step) {
        const p: Vec3 = [x + rng.range(-0.4, 0.4) * step, y + rng.range(-0.4, 0.4) * step, z + rng.range(-0.4, 0.4) * step];
        if (!inside(p)) continue;
        const out = sub(p, hilum);
        if (norm(out) < 1) continue;
        const jitter: Vec3 = [rng.range(-0.4, 0.4), rng.range(-0.4, 0.4), rng.range(-0.4, 0.4)];
        roots.push({ p, dir: add(unit(out), jitter), r: rng.range(radius[0], radius[1]) });
      }
    }
  }
  return roots;
}

/** Roots of the pulmonary veins: four trunks leaving the left atrium towards the lungs. */
export function veinTreeRoots(place: Place, s: number): TreeRoot[] {
  return [
    { p: place([-30, 8, -38]), dir: [-1, 0.1, 0.45], r: 5.5 * s },
    { p: place([-30, 16, -58]), dir: [-1, 0.25, -0.45], r: 5.5 * s },
    { p: place([42, 8, -38]), dir: [1, 0.1, 0.45], r: 5 * s },
    { p: place([42, 16, -58]), dir: [1, 0.25, -0.45], r: 5 * s },
  ];
}
