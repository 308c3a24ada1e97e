/** Builders of small PipelineVolumes with known answers. */
import type { PipelineVolume } from '../src/index';

export function volume(
  shape: [number, number, number],
  spacing: [number, number, number],
  f: (z: number, y: number, x: number) => number,
  zPositions?: number[],
): PipelineVolume {
  const [nz, ny, nx] = shape;
  const data = new Float32Array(nz * ny * nx);
  const pos = zPositions ?? Array.from({ length: nz }, (_, z) => z * spacing[0]);
  for (let z = 0, i = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) data[i] = f(pos[z]!, y * spacing[1], x * spacing[2]);
  return {
    data,
    shape,
    spacing,
    origin: [0, 0, pos[0]!],
    direction: { x: [1, 0, 0], y: [0, 1, 0], z: [0, 0, 1] },
    sources: pos.map((_, i) => `1.2.3.${i}`),
    zSources: pos.map((_, i) => [{ source: i, weight: 1 }]),
    zPositions: pos,
    warnings: [],
    record: [],
  };
}

/**
 * A synthetic chest in mm: body ellipse (soft tissue), two lung ellipsoids (−850 HU) with
 * vessels (+40 HU tubes) inside, outside air. Returns the HU function and a truth test.
 */
export function chest(): { hu: (z: number, y: number, x: number) => number; inLung: (z: number, y: number, x: number) => boolean } {
  const inLungShell = (z: number, y: number, x: number) => {
    for (const cx of [70, 150]) {
      const dx = (x - cx) / 38;
      const dy = (y - 110) / 55;
      const dz = (z - 100) / 70;
      if (dx * dx + dy * dy + dz * dz < 1) return true;
    }
    return false;
  };
  const hu = (z: number, y: number, x: number) => {
    const bx = (x - 110) / 100;
    const by = (y - 115) / 80;
    if (bx * bx + by * by >= 1) return -1000;
    if (inLungShell(z, y, x)) {
      const vessel = (x - 70 - 10) ** 2 + (y - 100) ** 2 < 9 || (x - 150 + 12) ** 2 + (y - 120) ** 2 < 9;
      return vessel ? 40 : -850;
    }
    return 40;
  };
  return { hu, inLung: inLungShell };
}
