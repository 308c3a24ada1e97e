/**
 * Key images: Secondary Capture (RGB, 8 bits) of a source CT slice in a CTPA window with the
 * Grad-CAM map blended over it and "NOT FOR DIAGNOSTIC USE" burned in. The object carries the
 * study's Patient and Study attributes, so a PACS files it into the analysed study, and
 * references the source slice (Source Image Sequence).
 *
 * The CAM comes from the runner in the model's input space (the lung crop, 192²). With the
 * result's `camGeometry` it is sampled at each source pixel's patient position (cam-placement.ts);
 * results without it get the old behaviour, the map stretched over the whole slice (approximate,
 * and the object says so in ImageComments).
 */
import { decodeDicom } from '@embolus/dicom';
import { heatColor } from '@embolus/shared/evidence';
import { camOnSlice, slicePlane, type PlacedCam } from './cam-placement';
import { DicomOutError } from './errors';
import { drawText, textWidth } from './font';
import { studyModules, type StudyAttributes } from './source';
import { dicomDateTime, writePart10 } from './write';

export const SECONDARY_CAPTURE_STORAGE = '1.2.840.10008.5.1.4.1.1.7';

/** The burned-in warning, exactly as required. */
export const NOT_FOR_DIAGNOSTIC_USE = 'NOT FOR DIAGNOSTIC USE';

/** What one key image is made from. */
export interface KeyImageInput {
  study: StudyAttributes;
  source: { bytes: Uint8Array; sopInstanceUid: string; sopClassUid: string };
  /** A CAM map (rows × cols of the model input, any non-negative scale). */
  cam: { data: Float32Array; rows: number; cols: number };
  /** The whole CAM volume with its patient geometry: when given (and the slice has its plane), it is placed exactly and `cam` is unused. */
  placedCam?: PlacedCam;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  seriesNumber: number;
  instanceNumber: number;
  /** A second burned-in line (model and window), upper case ASCII. */
  caption: string;
  now: Date;
}

/** The overlay is drawn where the CAM exceeds this share of its maximum on the slice (the report's legend says so). */
export const OVERLAY_FLOOR = 0.3;

/** CTPA window (W 700, L 100): contrast-filled vessels bright, clot darker. */
const WINDOW = { center: 100, width: 700 };

/** Bilinear sample of the CAM at normalized (u, v) in [0, 1]. */
function sample(cam: KeyImageInput['cam'], u: number, v: number): number {
  const x = Math.min(cam.cols - 1, Math.max(0, u * cam.cols - 0.5));
  const y = Math.min(cam.rows - 1, Math.max(0, v * cam.rows - 0.5));
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const x1 = Math.min(cam.cols - 1, x0 + 1);
  const y1 = Math.min(cam.rows - 1, y0 + 1);
  const fx = x - x0;
  const fy = y - y0;
  const at = (xx: number, yy: number) => cam.data[yy * cam.cols + xx]!;
  return (at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) + (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy;
}

/**
 * The caption line at the largest scale (up to the warning's) at which it fits the image width;
 * at scale 1 a caption still too long is cut, ending in "..".
 */
export function fitCaption(caption: string, cols: number, maxScale: number): { text: string; scale: number } {
  const room = (scale: number) => cols - 4 * scale;
  for (let scale = maxScale; scale >= 1; scale--) if (textWidth(caption, scale) <= room(scale)) return { text: caption, scale };
  const chars = Math.max(2, Math.floor(room(1) / textWidth('x', 1)));
  return { text: `${caption.slice(0, chars - 2)}..`, scale: 1 };
}

/** Renders the overlay as interleaved RGB. */
export function renderOverlay(hu: Float32Array, rows: number, cols: number, cam: KeyImageInput['cam'], caption: string): Uint8Array {
  const rgb = new Uint8Array(rows * cols * 3);
  let max = 0;
  for (const v of cam.data) if (Number.isFinite(v) && v > max) max = v;
  const lo = WINDOW.center - WINDOW.width / 2;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < cols; x++) {
      const i = y * cols + x;
      const v = hu[i]!;
      const g = Number.isFinite(v) ? Math.min(255, Math.max(0, ((v - lo) / WINDOW.width) * 255)) : 0;
      let r = g;
      let gg = g;
      let b = g;
      const t = max > 0 ? sample(cam, (x + 0.5) / cols, (y + 0.5) / rows) / max : 0;
      // Only the upper part of the map is drawn, so the anatomy stays readable elsewhere.
      if (t > OVERLAY_FLOOR) {
        const a = 0.55 * Math.min(1, (t - OVERLAY_FLOOR) / 0.5);
        const [hr, hg, hb] = heatColor(t);
        r = r * (1 - a) + hr * a;
        gg = gg * (1 - a) + hg * a;
        b = b * (1 - a) + hb * a;
      }
      rgb[i * 3] = r;
      rgb[i * 3 + 1] = gg;
      rgb[i * 3 + 2] = b;
    }
  }
  const scale = Math.max(1, Math.floor(cols / 170));
  const warnX = Math.max(scale, Math.floor((cols - textWidth(NOT_FOR_DIAGNOSTIC_USE, scale)) / 2));
  drawText(rgb, cols, rows, NOT_FOR_DIAGNOSTIC_USE, warnX, 2 * scale, scale, [255, 255, 0]);
  const fitted = fitCaption(caption, cols, scale);
  drawText(rgb, cols, rows, fitted.text, 2 * fitted.scale, rows - 9 * fitted.scale, fitted.scale, [255, 255, 255]);
  return rgb;
}

/** How the CAM was laid on the slice: by patient coordinates, or stretched over it (approximate). */
export type CamPlacement = 'patient' | 'stretched';

/** Words for a stretched overlay, in the key image and the SR. */
export const STRETCHED_NOTE = 'Overlay placement approximate: the result has no CAM geometry, so the map is stretched over the slice.';

/** Writes one key image as a Part 10 Secondary Capture file. */
export async function writeKeyImage(input: KeyImageInput): Promise<Uint8Array> {
  return (await writeKeyImageWithPlacement(input)).bytes;
}

/** A key image as pixels: interleaved RGB at the source slice's matrix, before any DICOM wrapping. */
export interface KeyImageRaster {
  rgb: Uint8Array;
  rows: number;
  cols: number;
  placement: CamPlacement;
  /** The source slice's InstanceNumber, when it has one. */
  instanceNumber?: number;
}

/** What {@link renderKeyImage} needs: the source slice's bytes, the CAM (placed or per window) and the burned-in caption. */
export type KeyImageRenderInput = Pick<KeyImageInput, 'cam' | 'placedCam' | 'caption'> & { source: Uint8Array };

/**
 * Decodes the source slice and renders the key image (CTPA window, Grad-CAM blend, burned-in
 * warning and caption) as RGB: what the Secondary Capture holds and the report shows.
 * @throws DicomOutError SOURCE_UNREADABLE (slice not decodable or multi-frame), CAM_MISMATCH (placed CAM of another shape).
 */
export async function renderKeyImage(input: KeyImageRenderInput): Promise<KeyImageRaster> {
  let decoded;
  try {
    decoded = await decodeDicom(input.source, { source: 'key image source' });
  } catch (e) {
    throw new DicomOutError('SOURCE_UNREADABLE', 'the source slice of a key image cannot be decoded', { cause: e });
  }
  const { rows, cols, frames } = decoded.pixel;
  if (frames !== 1) throw new DicomOutError('SOURCE_UNREADABLE', 'key images are made from single-frame slices', { details: { frames } });
  const plane = slicePlane(decoded.info.planes[0]);
  const placement: CamPlacement = input.placedCam && plane ? 'patient' : 'stretched';
  // A map at the slice's own matrix makes renderOverlay's stretch the identity.
  const cam = placement === 'patient' ? { data: camOnSlice(input.placedCam!, plane!, rows, cols), rows, cols } : input.cam;
  const rgb = renderOverlay(decoded.hu.subarray(0, rows * cols), rows, cols, cam, input.caption);
  return {
    rgb,
    rows,
    cols,
    placement,
    ...(decoded.info.instanceNumber !== undefined ? { instanceNumber: decoded.info.instanceNumber } : {}),
  };
}

/** {@link writeKeyImage}, also saying how the CAM was placed. */
export async function writeKeyImageWithPlacement(input: KeyImageInput): Promise<{ bytes: Uint8Array; placement: CamPlacement }> {
  const { rgb, rows, cols, placement } = await renderKeyImage({
    source: input.source.bytes,
    cam: input.cam,
    ...(input.placedCam ? { placedCam: input.placedCam } : {}),
    caption: input.caption,
  });
  const { date, time } = dicomDateTime(input.now);
  const dataset: Record<string, unknown> = {
    _vrMap: { PixelData: 'OB' },
    SOPClassUID: SECONDARY_CAPTURE_STORAGE,
    SOPInstanceUID: input.sopInstanceUid,
    InstanceCreationDate: date,
    InstanceCreationTime: time,
    ...studyModules(input.study),
    Modality: 'OT',
    Laterality: '',
    SeriesInstanceUID: input.seriesInstanceUid,
    SeriesNumber: input.seriesNumber,
    SeriesDescription: 'EMBOLUS KEY IMAGES - NOT FOR CLINICAL USE',
    Manufacturer: 'Embolus',
    ConversionType: 'WSD',
    SecondaryCaptureDeviceManufacturer: 'Embolus',
    SecondaryCaptureDeviceManufacturerModelName: 'Embolus PE research model',
    InstanceNumber: input.instanceNumber,
    PatientOrientation: '',
    ContentDate: date,
    ContentTime: time,
    ImageType: ['DERIVED', 'SECONDARY'],
    DerivationDescription: 'Grad-CAM overlay of a research PE model; not for diagnostic use',
    SourceImageSequence: [{ ReferencedSOPClassUID: input.source.sopClassUid, ReferencedSOPInstanceUID: input.source.sopInstanceUid }],
    BurnedInAnnotation: 'YES',
    ImageComments:
      'NOT FOR DIAGNOSTIC USE. Research software; not for clinical use.' + (placement === 'stretched' ? ` ${STRETCHED_NOTE}` : ''),
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: rows,
    Columns: cols,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    PixelData: [rgb.buffer.slice(rgb.byteOffset, rgb.byteOffset + rgb.byteLength)],
  };
  return { bytes: writePart10(dataset, SECONDARY_CAPTURE_STORAGE, input.sopInstanceUid), placement };
}
