/**
 * The header facts of one instance: identity, pixel module, geometry per frame and the modality
 * LUT per frame. Reading it touches no pixel data.
 */
import type { DataSet } from 'dicom-parser';
import { DicomError } from './errors';
import type { ParsedDicom } from './parse';
import { T, decimal, decimals, firstItem, items, requireUs, str, strs, tagName, us } from './tags';

import type { Vec3 } from '@embolus/shared';

export type { Vec3 };

/** Image Pixel module attributes. */
export interface PixelModule {
  rows: number;
  cols: number;
  frames: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  photometric: string;
  planarConfiguration: 0 | 1;
}

/** Where one frame lies in patient space (mm). Absent fields were absent in the file. */
export interface FramePlane {
  imagePositionPatient?: Vec3;
  /** Row direction cosines then column direction cosines. */
  imageOrientationPatient?: [number, number, number, number, number, number];
  /** Spacing between rows, then between columns (PS3.3 order). */
  pixelSpacing?: [number, number];
  sliceThickness?: number;
}

/** How stored values become modality values (HU for CT). */
export type ModalityLut =
  | { kind: 'rescale'; slope: number; intercept: number; type?: string }
  | { kind: 'lut'; firstMapped: number; data: Float64Array; type?: string };

/** Stored values marked as padding (PS3.3 C.7.5.1.1.2): never tissue, never HU. */
export interface Padding {
  value: number;
  /** Inclusive other end of a padding range, when PixelPaddingRangeLimit is present. */
  rangeLimit?: number;
}

/** Everything Embolus reads from an instance's header. No patient attributes. */
export interface InstanceInfo {
  source: string;
  transferSyntaxUid: string;
  sopClassUid?: string;
  sopInstanceUid?: string;
  studyInstanceUid?: string;
  seriesInstanceUid?: string;
  frameOfReferenceUid?: string;
  modality?: string;
  manufacturer?: string;
  imageType: string[];
  seriesDescription?: string;
  bodyPartExamined?: string;
  contrastBolusAgent?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  acquisitionNumber?: number;
  spacingBetweenSlices?: number;
  gantryTilt?: number;
  /** Undefined when the instance has no pixel data (e.g. a structured report). */
  pixel?: PixelModule;
  /** One entry per frame. */
  planes: FramePlane[];
  /** One entry per frame. */
  modalityLut: ModalityLut[];
  padding?: Padding;
  pixelDataTag?: string;
  /** Non-fatal problems found in the header (malformed geometry attributes…). */
  warnings: string[];
}

/**
 * Geometry attributes are read leniently: a malformed one is dropped with a warning rather than
 * failing the decode, because HU stay valid; series assembly then reports the missing geometry.
 */
function plane(ds: DataSet | undefined, warnings: string[]): FramePlane {
  if (!ds) return {};
  const p: FramePlane = {};
  const read = <K extends keyof FramePlane>(key: K, f: () => FramePlane[K] | undefined) => {
    try {
      const v = f();
      if (v !== undefined) p[key] = v;
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (!warnings.includes(msg)) warnings.push(msg);
    }
  };
  read('imagePositionPatient', () => decimals(ds, T.ImagePositionPatient, 3) as Vec3 | undefined);
  read('imageOrientationPatient', () => decimals(ds, T.ImageOrientationPatient, 6) as FramePlane['imageOrientationPatient']);
  read('pixelSpacing', () => decimals(ds, T.PixelSpacing, 2) as [number, number] | undefined);
  read('sliceThickness', () => decimal(ds, T.SliceThickness));
  return p;
}

/** Enhanced multi-frame geometry: functional groups, per frame first, then shared, then top level. */
function functionalPlane(root: FramePlane, shared: DataSet | undefined, perFrame: DataSet | undefined, warnings: string[]): FramePlane {
  const pick = (seq: string) => plane(firstItem(perFrame, seq) ?? firstItem(shared, seq), warnings);
  return { ...root, ...pick(T.PixelMeasuresSequence), ...pick(T.PlaneOrientationSequence), ...pick(T.PlanePositionSequence) };
}

function signed16(v: number): number {
  return v >= 0x8000 ? v - 0x10000 : v;
}

function rescale(ds: DataSet | undefined): ModalityLut | undefined {
  if (!ds) return undefined;
  const slope = decimal(ds, T.RescaleSlope);
  const intercept = decimal(ds, T.RescaleIntercept);
  if (slope === undefined && intercept === undefined) return undefined;
  const type = str(ds, T.RescaleType);
  // Defaults when one of the pair is missing: identity (PS3.3 C.11.1).
  return { kind: 'rescale', slope: slope ?? 1, intercept: intercept ?? 0, ...(type ? { type } : {}) };
}

function lutSequence(ds: DataSet, source: string, pixelRepresentation: number): ModalityLut | undefined {
  const item = firstItem(ds, T.ModalityLUTSequence);
  if (!item) return undefined;
  const desc = item.elements[T.LUTDescriptor];
  const dataEl = item.elements[T.LUTData];
  if (!desc || desc.length < 6 || !dataEl) {
    throw new DicomError('MISSING_TAG', `${source}: Modality LUT Sequence item lacks LUTDescriptor or LUTData`, { details: { source } });
  }
  // Entries of 0 mean 65536 (PS3.3 C.11.1.1); the first mapped value is signed when pixels are.
  const entries = item.uint16(T.LUTDescriptor, 0) || 65536;
  const firstRaw = item.uint16(T.LUTDescriptor, 1) ?? 0;
  const firstMapped = pixelRepresentation === 1 ? signed16(firstRaw) : firstRaw;
  const bits = item.uint16(T.LUTDescriptor, 2) ?? 16;
  const available = bits <= 8 && dataEl.length === entries ? entries : Math.floor(dataEl.length / 2);
  if (available < entries) {
    throw new DicomError('PIXEL_DATA_SIZE_MISMATCH', `${source}: Modality LUT declares ${entries} entries, data holds ${available}`);
  }
  const data = new Float64Array(entries);
  for (let i = 0; i < entries; i++) {
    data[i] = bits <= 8 && dataEl.length === entries ? (item.byteArray[dataEl.dataOffset + i] ?? 0) : (item.uint16(T.LUTData, i) ?? 0);
  }
  const type = str(item, T.ModalityLUTType);
  return { kind: 'lut', firstMapped, data, ...(type ? { type } : {}) };
}

function pixelModule(ds: DataSet, source: string): PixelModule {
  const photometric = str(ds, T.PhotometricInterpretation) ?? 'MONOCHROME2';
  const bitsAllocated = requireUs(ds, T.BitsAllocated, source);
  const bitsStored = us(ds, T.BitsStored) ?? bitsAllocated;
  const framesText = str(ds, T.NumberOfFrames);
  const frames = framesText === undefined ? 1 : Number(framesText);
  if (!Number.isInteger(frames) || frames < 1) {
    throw new DicomError('INVALID_TAG', `${source}: ${tagName(T.NumberOfFrames)} is not a positive integer`, { details: { source } });
  }
  const pm: PixelModule = {
    rows: requireUs(ds, T.Rows, source),
    cols: requireUs(ds, T.Columns, source),
    frames,
    samplesPerPixel: us(ds, T.SamplesPerPixel) ?? 1,
    bitsAllocated,
    bitsStored,
    highBit: us(ds, T.HighBit) ?? bitsStored - 1,
    pixelRepresentation: us(ds, T.PixelRepresentation) === 1 ? 1 : 0,
    photometric,
    planarConfiguration: us(ds, T.PlanarConfiguration) === 1 ? 1 : 0,
  };
  if (pm.rows === 0 || pm.cols === 0) {
    throw new DicomError('INVALID_TAG', `${source}: image is ${pm.rows}x${pm.cols}`, { details: { source } });
  }
  if (bitsStored < 1 || bitsStored > bitsAllocated) {
    throw new DicomError('INVALID_TAG', `${source}: BitsStored ${bitsStored} does not fit BitsAllocated ${bitsAllocated}`, {
      details: { source },
    });
  }
  return pm;
}

const optNum = (ds: DataSet, tag: string) => {
  try {
    return decimal(ds, tag);
  } catch {
    return undefined; // identity attributes are informative only; a garbled one is not fatal
  }
};

/** Reads the header facts of a parsed instance. Throws DicomError on missing or invalid required tags. */
export function readInstanceInfo(parsed: ParsedDicom, source: string): InstanceInfo {
  const ds = parsed.dataSet;
  const pixelDataTag = [T.PixelData, T.FloatPixelData, T.DoubleFloatPixelData].find((t) => ds.elements[t]);
  const pixel = pixelDataTag ? pixelModule(ds, source) : undefined;
  const frames = pixel?.frames ?? 1;
  const shared = firstItem(ds, T.SharedFunctionalGroupsSequence);
  const perFrame = items(ds, T.PerFrameFunctionalGroupsSequence);
  const warnings: string[] = [];
  const root = plane(ds, warnings);
  const enhanced = shared !== undefined || perFrame.length > 0;
  const planes: FramePlane[] = [];
  const luts: ModalityLut[] = [];
  const topLut = lutSequence(ds, source, pixel?.pixelRepresentation ?? 0) ?? rescale(ds) ?? { kind: 'rescale', slope: 1, intercept: 0 };
  for (let f = 0; f < frames; f++) {
    const pf = perFrame[f];
    planes.push(enhanced ? functionalPlane(root, shared, pf, warnings) : root);
    const fgLut = enhanced
      ? rescale(firstItem(pf, T.PixelValueTransformationSequence) ?? firstItem(shared, T.PixelValueTransformationSequence))
      : undefined;
    luts.push(fgLut ?? topLut);
  }
  const padRaw = us(ds, T.PixelPaddingValue);
  const padLimitRaw = us(ds, T.PixelPaddingRangeLimit);
  const sign = (v: number) => (pixel?.pixelRepresentation === 1 ? signed16(v) : v);
  const info: InstanceInfo = {
    source,
    transferSyntaxUid: parsed.transferSyntaxUid,
    imageType: strs(ds, T.ImageType),
    planes,
    modalityLut: luts,
    warnings,
  };
  const strFields = {
    sopClassUid: T.SOPClassUID,
    sopInstanceUid: T.SOPInstanceUID,
    studyInstanceUid: T.StudyInstanceUID,
    seriesInstanceUid: T.SeriesInstanceUID,
    frameOfReferenceUid: T.FrameOfReferenceUID,
    modality: T.Modality,
    manufacturer: T.Manufacturer,
    seriesDescription: T.SeriesDescription,
    bodyPartExamined: T.BodyPartExamined,
    contrastBolusAgent: T.ContrastBolusAgent,
  } as const;
  for (const [k, tag] of Object.entries(strFields)) {
    const v = str(ds, tag);
    if (v !== undefined) (info as unknown as Record<string, unknown>)[k] = v;
  }
  const numFields = {
    seriesNumber: T.SeriesNumber,
    instanceNumber: T.InstanceNumber,
    acquisitionNumber: T.AcquisitionNumber,
    spacingBetweenSlices: T.SpacingBetweenSlices,
    gantryTilt: T.GantryDetectorTilt,
  } as const;
  for (const [k, tag] of Object.entries(numFields)) {
    const v = optNum(ds, tag);
    if (v !== undefined) (info as unknown as Record<string, unknown>)[k] = v;
  }
  if (pixel) info.pixel = pixel;
  if (pixelDataTag) info.pixelDataTag = pixelDataTag;
  if (padRaw !== undefined) info.padding = { value: sign(padRaw), ...(padLimitRaw !== undefined ? { rangeLimit: sign(padLimitRaw) } : {}) };
  return info;
}
