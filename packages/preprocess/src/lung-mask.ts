/**
 * Classical lung segmentation (no network weights can be downloaded) and the crop to the lungs.
 *
 * 1. Air: HU below a threshold (lung parenchyma is about −850 HU; partial-volume edges −500).
 * 2. Air connected to the in-plane border of any slice is outside the body: removed. (Not the
 *    z faces: the trachea leaves the volume at the top and would take the lungs with it.)
 * 3. The largest remaining air components are the lungs (with trachea and main bronchi);
 *    smaller ones (bowel gas, oesophagus) are dropped.
 * 4. Holes are filled slice by slice: vessels, and emboli within them, belong to the lung box.
 * If the result is implausible (empty, or outside 0.5–10 L), the body's box is used instead and
 * a warning is recorded.
 */
import type { Step } from './compose';
import { boxToFull, coveredVoxels, meanPool, upsampleMask, type Shape3 } from './coarse-grid';
import { boundingBox, components3d, fillHolesPerSlice, floodFill3d, inPlaneBorder } from './morphology';
import type { Box, PipelineVolume } from './volume';

export interface LungMaskConfig {
  airThresholdHu: number;
  /** Keep components at least this fraction of the largest one. */
  minComponentFraction: number;
  maxComponents: number;
  minLitres: number;
  maxLitres: number;
  /**
   * Segment on a grid this coarse (mm), then upsample. The mask only sets the crop box, and at
   * 2 mm the searches touch 8× fewer voxels; the boundary moves by at most half a coarse voxel.
   */
  resolutionMm: number;
}

export const DEFAULT_LUNG_MASK: LungMaskConfig = {
  airThresholdHu: -400,
  minComponentFraction: 0.1,
  maxComponents: 3,
  minLitres: 0.5,
  maxLitres: 10,
  resolutionMm: 2,
};

/** Segments the lungs; sets `lungMask` and records the volume in litres and which box to crop. */
export function lungMask(config: Partial<LungMaskConfig> = {}): Step {
  const c = { ...DEFAULT_LUNG_MASK, ...config };
  return {
    name: 'lungMask',
    apply(v: PipelineVolume) {
      const f = v.spacing.map((s) => Math.max(1, Math.round(c.resolutionMm / s))) as Shape3;
      const coarse = f.every((k) => k === 1) ? { data: v.data, shape: v.shape } : meanPool(v.data, v.shape, f);
      const shape = coarse.shape;
      const n = coarse.data.length;
      const air = new Uint8Array(n);
      for (let i = 0; i < n; i++) air[i] = coarse.data[i]! < c.airThresholdHu ? 1 : 0;
      const queue = new Int32Array(n);
      const outside = new Uint8Array(n);
      floodFill3d(air, shape, inPlaneBorder(shape), outside, queue);
      for (let i = 0; i < n; i++) if (outside[i]) air[i] = 0;
      const { labels, sizes } = components3d(air, shape, queue);
      const ranked = sizes
        .map((size, label) => ({ size, label }))
        .slice(1)
        .sort((a, b) => b.size - a.size);
      const largest = ranked[0]?.size ?? 0;
      const kept = ranked.filter((r) => r.size >= c.minComponentFraction * largest).slice(0, c.maxComponents);
      const keepLabel = new Uint8Array(sizes.length);
      for (const r of kept) keepLabel[r.label] = 1;
      const coarseMask = new Uint8Array(n);
      for (let i = 0; i < n; i++) coarseMask[i] = keepLabel[labels[i]!]!;
      fillHolesPerSlice(coarseMask, shape);
      const mask = coarse.data === v.data ? coarseMask : upsampleMask(coarseMask, shape, v.shape, f);
      // Size and box of the full-resolution mask, from the coarse one (each coarse voxel is a block).
      const count = coveredVoxels(coarseMask, shape, v.shape, f);
      const litres = (count * v.spacing[0] * v.spacing[1] * v.spacing[2]) / 1e6;
      const plausible = litres >= c.minLitres && litres <= c.maxLitres;
      const warnings = [...v.warnings];
      const coarseBox = plausible ? boundingBox(coarseMask, shape) : undefined;
      let box = coarseBox && boxToFull(coarseBox, v.shape, f);
      let source: 'lungs' | 'body' = 'lungs';
      if (!box) {
        // Fallback: everything that is not outside air is body.
        const body = new Uint8Array(n);
        for (let i = 0; i < n; i++) body[i] = outside[i] ? 0 : 1;
        const b = boundingBox(body, shape);
        box = b ? boxToFull(b, v.shape, f) : { start: [0, 0, 0], end: [...v.shape] };
        source = 'body';
        warnings.push(
          `LUNG_MASK_IMPLAUSIBLE: lung mask of ${litres.toFixed(2)} L is outside ${c.minLitres}–${c.maxLitres} L; ` +
            'cropped to the body instead',
        );
      }
      return {
        volume: { ...v, lungMask: mask, warnings },
        record: {
          lungLitres: Number(litres.toFixed(3)),
          components: kept.length,
          resolutionMm: f.map((k, i) => k * v.spacing[i]!),
          boxSource: source,
          maskBox: box,
        },
      };
    },
  };
}

/** Converts a voxel box to patient coordinates (mm) of its first and last voxel centres. */
export function boxToPatient(v: Pick<PipelineVolume, 'origin' | 'direction' | 'spacing'>, box: Box): { first: number[]; last: number[] } {
  const at = (z: number, y: number, x: number) =>
    [0, 1, 2].map(
      (i) =>
        v.origin[i]! + x * v.spacing[2] * v.direction.x[i]! + y * v.spacing[1] * v.direction.y[i]! + z * v.spacing[0] * v.direction.z[i]!,
    );
  return { first: at(box.start[0], box.start[1], box.start[2]), last: at(box.end[0] - 1, box.end[1] - 1, box.end[2] - 1) };
}

/** Crops to the box the lung-mask step chose, grown by `marginMm` and clipped to the volume. */
export function cropToLungBox(marginMm = 5): Step {
  return {
    name: 'cropToLungBox',
    apply(v: PipelineVolume) {
      const rec = [...v.record].reverse().find((r) => r.step === 'lungMask');
      const chosen = (rec?.maskBox as Box | undefined) ?? { start: [0, 0, 0], end: [...v.shape] };
      const m = [0, 1, 2].map((i) => Math.round(marginMm / v.spacing[i]!));
      const start = chosen.start.map((s, i) => Math.max(0, s - m[i]!)) as [number, number, number];
      const end = chosen.end.map((e, i) => Math.min(v.shape[i]!, e + m[i]!)) as [number, number, number];
      const shape = [end[0] - start[0], end[1] - start[1], end[2] - start[2]] as [number, number, number];
      const [, ny, nx] = v.shape;
      const data = new Float32Array(shape[0] * shape[1] * shape[2]);
      const mask = v.lungMask ? new Uint8Array(data.length) : undefined;
      for (let z = 0; z < shape[0]; z++) {
        for (let y = 0; y < shape[1]; y++) {
          const from = ((start[0] + z) * ny + start[1] + y) * nx + start[2];
          const to = (z * shape[1] + y) * shape[2];
          data.set(v.data.subarray(from, from + shape[2]), to);
          if (mask) mask.set(v.lungMask!.subarray(from, from + shape[2]), to);
        }
      }
      const box: Box = { start, end };
      const patient = boxToPatient(v, box);
      const origin = patient.first as [number, number, number];
      return {
        volume: {
          ...v,
          data,
          shape,
          origin,
          zSources: v.zSources.slice(start[0], end[0]),
          zPositions: v.zPositions.slice(start[0], end[0]),
          ...(mask ? { lungMask: mask } : {}),
        },
        record: { box, boxPatientMm: patient, marginMm },
      };
    },
  };
}
