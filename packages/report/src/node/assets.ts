/**
 * The Node side of the report: the embedded fonts read from the `dejavu-fonts-ttf` package, and
 * the key images rendered from stored slices with @embolus/dicom-out (the same windows, slices
 * and overlay as the DICOM key images). Decoding source slices is why the report runs on Node.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DicomOutError, keyImageRasters, type KeyImageRastersInput } from '@embolus/dicom-out';
import type { AnalysisResult } from '@embolus/shared';
import { ReportError } from '../errors';
import type { KeyImageAbsence, ReportKeyImage } from '../model';
import type { ReportFonts } from '../pdf';

let fonts: Promise<ReportFonts> | undefined;

/** DejaVu Sans regular and bold (read once per process). @throws ReportError FONT_UNAVAILABLE */
export function loadReportFonts(): Promise<ReportFonts> {
  fonts ??= (async () => {
    try {
      const dir = path.join(path.dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
      const [regular, bold] = await Promise.all([
        readFile(path.join(dir, 'DejaVuSans.ttf')),
        readFile(path.join(dir, 'DejaVuSans-Bold.ttf')),
      ]);
      return { regular: new Uint8Array(regular), bold: new Uint8Array(bold) };
    } catch (e) {
      fonts = undefined;
      throw new ReportError('FONT_UNAVAILABLE', 'the report fonts (dejavu-fonts-ttf) cannot be read', { cause: e });
    }
  })();
  return fonts;
}

/** What {@link collectKeyImages} needs: the result, the study's instances, a loader and `cam.npy` (or null). */
export type CollectKeyImagesInput = Omit<KeyImageRastersInput, 'cam' | 'result'> & { result: AnalysisResult; cam: Uint8Array | null };

/**
 * The report's key images, or why there are none. A non-diagnostic study gets none (nothing is
 * decoded); a missing CAM, a CAM that does not fit the result, an unreadable slice or a series
 * that is not stored gives none, with the reason, instead of failing the report.
 */
export async function collectKeyImages(input: CollectKeyImagesInput): Promise<{ keyImages: ReportKeyImage[]; absence?: KeyImageAbsence }> {
  if (input.result.quality?.diagnostic === false) return { keyImages: [], absence: 'non-diagnostic' };
  if (!input.cam) return { keyImages: [], absence: 'no-cam' };
  const keyImages: ReportKeyImage[] = [];
  try {
    for await (const { plan, raster } of keyImageRasters({ ...input, cam: input.cam })) {
      keyImages.push({
        rgb: raster.rgb,
        rows: raster.rows,
        cols: raster.cols,
        windowIndex: plan.window.index,
        probability: plan.window.probability,
        reported: plan.window.decision === true,
        placement: raster.placement,
        ...(raster.instanceNumber !== undefined ? { instanceNumber: raster.instanceNumber } : {}),
      });
    }
  } catch (e) {
    if (!(e instanceof DicomOutError)) throw e;
    const absence: KeyImageAbsence =
      e.code === 'CAM_MISMATCH' ? 'cam-mismatch' : e.code === 'SOURCE_UNREADABLE' ? 'source-unreadable' : 'no-windows';
    return { keyImages: [], absence };
  }
  return keyImages.length > 0 ? { keyImages } : { keyImages, absence: 'no-windows' };
}
