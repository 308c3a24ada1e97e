/**
 * Typed attribute access over dicom-parser datasets. Tags are written `xGGGGEEEE` as dicom-parser
 * expects. Implicit VR files carry no VR, so each reader states the VR it expects.
 */
import type { DataSet, Element } from 'dicom-parser';
import { DicomError } from './errors';

/** Tags used by this package, by keyword. */
export const T = {
  TransferSyntaxUID: 'x00020010',
  SOPClassUID: 'x00080016',
  SOPInstanceUID: 'x00080018',
  StudyDate: 'x00080020',
  Modality: 'x00080060',
  Manufacturer: 'x00080070',
  ImageType: 'x00080008',
  SeriesDescription: 'x0008103e',
  BodyPartExamined: 'x00180015',
  SliceThickness: 'x00180050',
  SpacingBetweenSlices: 'x00180088',
  GantryDetectorTilt: 'x00181120',
  ContrastBolusAgent: 'x00180010',
  KVP: 'x00180060',
  StudyInstanceUID: 'x0020000d',
  SeriesInstanceUID: 'x0020000e',
  SeriesNumber: 'x00200011',
  AcquisitionNumber: 'x00200012',
  InstanceNumber: 'x00200013',
  ImagePositionPatient: 'x00200032',
  ImageOrientationPatient: 'x00200037',
  FrameOfReferenceUID: 'x00200052',
  SamplesPerPixel: 'x00280002',
  PhotometricInterpretation: 'x00280004',
  PlanarConfiguration: 'x00280006',
  NumberOfFrames: 'x00280008',
  Rows: 'x00280010',
  Columns: 'x00280011',
  PixelSpacing: 'x00280030',
  BitsAllocated: 'x00280100',
  BitsStored: 'x00280101',
  HighBit: 'x00280102',
  PixelRepresentation: 'x00280103',
  PixelPaddingValue: 'x00280120',
  PixelPaddingRangeLimit: 'x00280121',
  RescaleIntercept: 'x00281052',
  RescaleSlope: 'x00281053',
  RescaleType: 'x00281054',
  ModalityLUTSequence: 'x00283000',
  LUTDescriptor: 'x00283002',
  ModalityLUTType: 'x00283004',
  LUTData: 'x00283006',
  PixelMeasuresSequence: 'x00289110',
  PixelValueTransformationSequence: 'x00289145',
  PlanePositionSequence: 'x00209113',
  PlaneOrientationSequence: 'x00209116',
  SharedFunctionalGroupsSequence: 'x52009229',
  PerFrameFunctionalGroupsSequence: 'x52009230',
  FloatPixelData: 'x7fe00008',
  DoubleFloatPixelData: 'x7fe00009',
  PixelData: 'x7fe00010',
} as const;

/** `(GGGG,EEEE)` form of a dicom-parser tag, for messages. */
export function tagName(tag: string): string {
  const keyword = Object.entries(T).find(([, v]) => v === tag)?.[0];
  const t = `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5, 9).toUpperCase()})`;
  return keyword ? `${keyword} ${t}` : t;
}

/** Trimmed string value (VR CS, LO, SH, UI…), or undefined when absent or empty. */
export function str(ds: DataSet, tag: string): string | undefined {
  const el = ds.elements[tag];
  if (!el || el.length === 0) return undefined;
  const v = ds.string(tag);
  const trimmed = v?.replace(/\0/g, '').trim();
  return trimmed ? trimmed : undefined;
}

/** All backslash-separated values of a string attribute. */
export function strs(ds: DataSet, tag: string): string[] {
  const v = str(ds, tag);
  return v ? v.split('\\').map((s) => s.trim()) : [];
}

/** A decimal or integer string value (VR DS/IS). Throws INVALID_TAG on text that is not a number. */
export function decimal(ds: DataSet, tag: string, index = 0): number | undefined {
  const values = strs(ds, tag);
  const v = values[index];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n))
    throw new DicomError('INVALID_TAG', `${tagName(tag)} holds '${v.slice(0, 32)}', not a number`, { details: { tag } });
  return n;
}

/** All values of a DS/IS attribute; undefined unless it has exactly `count` numbers. */
export function decimals(ds: DataSet, tag: string, count: number): number[] | undefined {
  const values = strs(ds, tag);
  if (values.length === 0) return undefined;
  const nums = values.map(Number);
  if (nums.length !== count || nums.some((n) => !Number.isFinite(n))) {
    throw new DicomError('INVALID_TAG', `${tagName(tag)} must hold ${count} numbers, holds ${values.length} values`, { details: { tag } });
  }
  return nums;
}

/** An unsigned 16-bit value (VR US), also right for implicit VR files. */
export function us(ds: DataSet, tag: string): number | undefined {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return undefined;
  return ds.uint16(tag);
}

/** The required US attribute; throws MISSING_TAG naming the tag. */
export function requireUs(ds: DataSet, tag: string, source: string): number {
  const v = us(ds, tag);
  if (v === undefined) throw new DicomError('MISSING_TAG', `${source}: required ${tagName(tag)} is missing`, { details: { tag, source } });
  return v;
}

/** The first item dataset of a sequence attribute, if any. */
export function firstItem(ds: DataSet | undefined, tag: string): DataSet | undefined {
  return items(ds, tag)[0];
}

/** Item datasets of a sequence attribute. */
export function items(ds: DataSet | undefined, tag: string): DataSet[] {
  const el: Element | undefined = ds?.elements[tag];
  return (el?.items ?? []).map((i) => i.dataSet).filter((d): d is DataSet => d !== undefined);
}
