/**
 * `embolus series <dir> [--json] [--volume]`: the series found in a folder, the one chosen and
 * why; with --volume it also decodes the chosen series into a HU volume and summarizes it.
 */
import { parseArgs } from 'node:util';
import { DicomError, assembleVolume, chooseSeries, type SeriesChoice, type SeriesPlan, type Volume } from '@embolus/dicom';
import { readBytes, scanFolder } from '@embolus/dicom/node';
import { UsageError } from '@embolus/shared';

function summary(p: SeriesPlan) {
  return {
    seriesInstanceUid: p.seriesInstanceUid,
    modality: p.modality ?? null,
    description: p.description ?? null,
    slices: p.slices.length,
    rows: p.rows,
    cols: p.cols,
    axial: p.axial,
    spacing: { pixel: p.pixelSpacing ?? null, slice: p.sliceSpacing ?? null, thickness: p.sliceThickness ?? null },
    tiltDeg: Number(p.tiltDeg.toFixed(3)),
    warnings: p.warnings,
  };
}

/** HU statistics of a decoded volume (padding excluded). */
export function volumeSummary(v: Volume, ms: number) {
  let n = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let air = 0;
  for (const x of v.data) {
    if (Number.isNaN(x)) continue;
    n++;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
    if (x < -900) air++;
  }
  return {
    shape: v.shape,
    spacingMm: v.spacing.map((s) => Number(s.toFixed(4))),
    extentMm: v.shape.map((d, i) => Number((d * v.spacing[i]!).toFixed(1))),
    hu: { min, max, mean: Number((sum / n).toFixed(2)), airFraction: Number((air / n).toFixed(4)) },
    paddingVoxels: v.paddingCount,
    decodeMs: Math.round(ms),
  };
}

/** Entry point of `embolus series`. */
export async function run(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, volume: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) throw new UsageError('series takes one folder');
  const scan = await scanFolder(positionals[0]!);
  let choice: SeriesChoice | undefined;
  let error: DicomError | undefined;
  try {
    choice = chooseSeries(scan.plans);
  } catch (e) {
    if (!(e instanceof DicomError)) throw e;
    error = e;
  }
  let volume: ReturnType<typeof volumeSummary> | undefined;
  if (choice && values.volume) {
    const t0 = performance.now();
    const v = await assembleVolume(choice.chosen, readBytes);
    volume = volumeSummary(v, performance.now() - t0);
  }
  const result = {
    files: scan.infos.length + scan.skipped.length,
    series: scan.plans.map(summary),
    chosen: choice ? { ...summary(choice.chosen), reason: choice.reason } : null,
    rejected: choice?.rejected ?? [],
    skipped: scan.skipped,
    ...(volume ? { volume } : {}),
  };
  if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  else {
    const lines = [`${result.files} file(s), ${result.series.length} series`];
    for (const s of result.series)
      lines.push(
        `  ${s.seriesInstanceUid}  ${s.modality ?? '?'}  ${s.slices} slices ${s.cols}x${s.rows}  ` +
          `${s.axial ? 'axial' : 'non-axial'}  ${s.warnings.map((w) => w.code).join(',')}`,
      );
    if (result.chosen) lines.push(`chosen: ${result.chosen.seriesInstanceUid} — ${result.chosen.reason}`);
    if (volume)
      lines.push(
        `volume: ${volume.shape.join('×')} voxels, ${volume.extentMm.join(' × ')} mm, ` +
          `HU ${volume.hu.min}..${volume.hu.max} (mean ${volume.hu.mean}), decoded in ${volume.decodeMs} ms`,
      );
    if (scan.skipped.length) lines.push(`skipped ${scan.skipped.length} file(s) that are not readable DICOM`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (error) throw error;
  return 0;
}
