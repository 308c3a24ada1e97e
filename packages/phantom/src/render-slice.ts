/**
 * Paints the anatomy of one axial slice, in an order where each later structure may cover the
 * earlier ones: air, couch, body, chest wall, lungs and diaphragm, ribs, mediastinum, airways,
 * heart, great vessels, spine, intrapulmonary vessels (lungs only), central pulmonary arteries,
 * emboli (lumen only).
 */
import type { Anatomy, Lung } from './anatomy';
import { embolusContains, type Embolus } from './emboli';
import { TISSUE, fillEllipse, fillRect, fillRotatedEllipse, fillTube, maskOf, type SliceBuffers, type SliceGrid } from './raster';

const LUNG_ONLY = maskOf(TISSUE.LUNG, TISSUE.LUNG_ARTERY, TISSUE.LUNG_VEIN);
const CAVITY = maskOf(TISSUE.SOFT_TISSUE, TISSUE.LUNG, TISSUE.ABDOMEN);
/** Emboli sample the slab at this many heights, so a slab touched at its edge shows a faint defect. */
const SLAB_SAMPLES = 5;

/** Half-axes factor of an ellipsoid's section at height z (0 outside it). */
const section = (dz: number, half: number): number => (Math.abs(dz) >= half ? 0 : Math.sqrt(1 - (dz / half) ** 2));

function paintLung(buf: SliceBuffers, grid: SliceGrid, lung: Lung, z: number, a: Anatomy): void {
  if (z >= lung.apexZ) return;
  const t = z > lung.taperZ ? section(z - lung.taperZ, lung.apexZ - lung.taperZ) : 1;
  const top = lung.cy - lung.b;
  // Gravity: in a supine patient the dependent (posterior) lung holds more blood and is denser.
  const hu = (y: number) => a.hu.lung + (a.hu.lungGradient * (y - top)) / (2 * lung.b);
  fillEllipse(buf, grid, lung.cx, lung.cy, lung.a * t, lung.b * t, hu, TISSUE.LUNG, maskOf(TISSUE.SOFT_TISSUE));
  const d = lung.dome;
  if (z < d.peakZ) {
    const f = Math.sqrt((d.peakZ - z) / d.k);
    fillEllipse(buf, grid, d.cx, d.cy, d.a * f, d.b * f, a.hu.abdomen, TISSUE.ABDOMEN, maskOf(TISSUE.LUNG));
  }
}

function paintRibs(buf: SliceBuffers, grid: SliceGrid, a: Anatomy, z: number): void {
  const { body, hu } = a;
  const ra = body.a - body.fatMm - body.wallMm / 2,
    rb = body.b - body.fatMm - body.wallMm / 2;
  const r = 4.5 * a.scale;
  for (const z0 of a.ribZ) {
    // φ is the angle from the spine (0) round to the sternum (π); ribs slope down anteriorly.
    const phi = (z0 - z) / a.ribSlopeMm;
    if (phi < 0.35 || phi > 2.6) continue;
    for (const side of [-1, 1]) {
      fillEllipse(buf, grid, body.cx + side * ra * Math.sin(phi), body.cy + rb * Math.cos(phi), r * 1.3, r, hu.bone, TISSUE.BONE);
    }
  }
  const st = a.sternum;
  if (z > st.zLo && z < st.zHi) fillEllipse(buf, grid, st.cx, st.cy, st.a, st.b, hu.bone, TISSUE.BONE);
}

function paintHeart(buf: SliceBuffers, grid: SliceGrid, a: Anatomy, z: number): void {
  const h = a.heart;
  const { hu } = a;
  const dz = z - h.zc;
  const envelope = section(dz, h.halfHeightMm + h.lvWallMm);
  if (envelope === 0) return;
  const c = Math.cos(h.angle),
    s = Math.sin(h.angle);
  // v = (sin θ, cos θ) runs across the septum: RV at −v, LV at +v.
  const at = (v: number): [number, number] => [h.cx + s * v, h.cy + c * v];
  const outerRv = h.septumMm / 2 + h.rvDiameterMm + h.rvWallMm;
  const outerLv = h.septumMm / 2 + h.lvDiameterMm + h.lvWallMm;
  const [ex, ey] = at((outerLv - outerRv) / 2);
  fillRotatedEllipse(
    buf,
    grid,
    ex,
    ey,
    (h.halfLengthMm + h.lvWallMm) * envelope,
    ((outerLv + outerRv) / 2) * envelope,
    h.angle,
    hu.myocardium,
    TISSUE.MYOCARDIUM,
  );
  const cavity = section(dz, h.halfHeightMm);
  if (cavity > 0) {
    const [rx, ry] = at(-(h.septumMm + h.rvDiameterMm) / 2);
    const [lx, ly] = at((h.septumMm + h.lvDiameterMm) / 2);
    fillRotatedEllipse(
      buf,
      grid,
      rx,
      ry,
      h.halfLengthMm * 0.9 * cavity,
      (h.rvDiameterMm / 2) * cavity,
      h.angle,
      hu.rightVentricle,
      TISSUE.RIGHT_HEART_BLOOD,
    );
    fillRotatedEllipse(
      buf,
      grid,
      lx,
      ly,
      h.halfLengthMm * cavity,
      (h.lvDiameterMm / 2) * cavity,
      h.angle,
      hu.leftHeart,
      TISSUE.LEFT_HEART_BLOOD,
    );
  }
  const la = a.leftAtrium;
  const f = section(z - la.zc, la.c);
  if (f > 0) fillEllipse(buf, grid, la.cx, la.cy, la.a * f, la.b * f, hu.leftHeart, TISSUE.LEFT_HEART_BLOOD);
}

function paintSpine(buf: SliceBuffers, grid: SliceGrid, a: Anatomy, z: number): void {
  const sp = a.spine;
  const { hu } = a;
  const s = a.scale;
  // Paraspinal muscles keep the lungs from wrapping behind the vertebra.
  fillEllipse(buf, grid, sp.cx, sp.cy + 22 * s, 42 * s, 30 * s, hu.muscle, TISSUE.MUSCLE, CAVITY);
  const phase = (((z - sp.discPhase) % sp.discPeriod) + sp.discPeriod) % sp.discPeriod;
  const disc = phase < sp.discMm;
  fillEllipse(buf, grid, sp.cx, sp.cy + 35 * s, 24 * s, 9 * s, hu.bone, TISSUE.BONE);
  fillEllipse(buf, grid, sp.cx, sp.cy, sp.a, sp.b, disc ? hu.disc : hu.bone, disc ? TISSUE.DISC : TISSUE.BONE);
  fillEllipse(buf, grid, sp.cx, sp.cy + sp.b + 9 * s, 8 * s, 8 * s, hu.csf, TISSUE.CSF);
}

/**
 * Paints emboli over pulmonary-artery lumen. The class becomes EMBOLUS where the slice centre is
 * inside; the HU mixes in the share of the slab thickness the embolus fills (partial volume).
 */
function paintEmboli(buf: SliceBuffers, grid: SliceGrid, emboli: readonly Embolus[], z: number, thickness: number): void {
  for (const e of emboli) {
    if (e.zRange[1] <= z - thickness / 2 || e.zRange[0] >= z + thickness / 2) continue;
    const r = e.radiusMm;
    const j0 = Math.max(0, Math.floor((Math.min(e.start[0], e.end[0]) - r - grid.x0) / grid.ps));
    const j1 = Math.min(grid.n - 1, Math.ceil((Math.max(e.start[0], e.end[0]) + r - grid.x0) / grid.ps));
    const i0 = Math.max(0, Math.floor((Math.min(e.start[1], e.end[1]) - r - grid.y0) / grid.ps));
    const i1 = Math.min(grid.n - 1, Math.ceil((Math.max(e.start[1], e.end[1]) + r - grid.y0) / grid.ps));
    for (let i = i0; i <= i1; i++) {
      const y = grid.y0 + i * grid.ps;
      for (let j = j0; j <= j1; j++) {
        const k = i * grid.n + j;
        if (buf.cls[k] !== TISSUE.PULMONARY_ARTERY) continue;
        const x = grid.x0 + j * grid.ps;
        let inside = 0;
        for (let m = 0; m < SLAB_SAMPLES; m++) {
          if (embolusContains(e, x, y, z + ((m + 0.5) / SLAB_SAMPLES - 0.5) * thickness)) inside++;
        }
        if (inside === 0) continue;
        const f = inside / SLAB_SAMPLES;
        buf.hu[k] = buf.hu[k]! * (1 - f) + e.hu * f;
        if (embolusContains(e, x, y, z)) buf.cls[k] = TISSUE.EMBOLUS;
      }
    }
  }
}

/** Paints the noiseless slice at height z (mm) into `buf`. */
export function renderSlice(
  buf: SliceBuffers,
  grid: SliceGrid,
  a: Anatomy,
  z: number,
  emboli: readonly Embolus[],
  thickness: number,
  couchTopY: number,
): void {
  const { hu, body } = a;
  buf.hu.fill(hu.air);
  buf.cls.fill(TISSUE.AIR);
  // Carbon-fibre couch: a foam core between two thin shells, under the patient's back.
  fillRect(buf, grid, -230, 230, couchTopY, couchTopY + 12, 200, TISSUE.COUCH);
  fillRect(buf, grid, -228, 228, couchTopY + 2, couchTopY + 10, hu.couch, TISSUE.COUCH);
  fillEllipse(buf, grid, body.cx, body.cy, body.a, body.b, hu.fat, TISSUE.FAT);
  fillEllipse(buf, grid, body.cx, body.cy, body.a - body.fatMm, body.b - body.fatMm, hu.muscle, TISSUE.MUSCLE);
  const inset = body.fatMm + body.wallMm;
  fillEllipse(buf, grid, body.cx, body.cy, body.a - inset, body.b - inset, hu.muscle, TISSUE.SOFT_TISSUE);
  paintLung(buf, grid, a.lungs.right, z, a);
  paintLung(buf, grid, a.lungs.left, z, a);
  paintRibs(buf, grid, a, z);
  const m = a.mediastinum;
  if (z > m.zLo && z < m.zHi) fillEllipse(buf, grid, m.cx, m.cy, m.a, m.b, hu.fat, TISSUE.FAT, CAVITY);
  for (const t of a.airways) fillTube(buf, grid, t, z, hu.air, TISSUE.AIRWAY);
  paintHeart(buf, grid, a, z);
  for (const t of a.aorta) fillTube(buf, grid, t, z, hu.aorta, TISSUE.AORTA);
  for (const t of a.plainVeins) fillTube(buf, grid, t, z, hu.blood, TISSUE.SYSTEMIC_VEIN);
  for (const t of a.svc) fillTube(buf, grid, t, z, hu.svc, TISSUE.SVC);
  paintSpine(buf, grid, a, z);
  for (const t of a.lungVeins) fillTube(buf, grid, t, z, hu.pulmonaryVein, TISSUE.LUNG_VEIN, LUNG_ONLY);
  for (const t of a.lungArteries) fillTube(buf, grid, t, z, hu.pulmonaryArtery, TISSUE.LUNG_ARTERY, LUNG_ONLY);
  for (const artery of a.arteries) for (const t of artery.tubes) fillTube(buf, grid, t, z, hu.pulmonaryArtery, TISSUE.PULMONARY_ARTERY);
  paintEmboli(buf, grid, emboli, z, thickness);
}
