/**
 * Writes one CT slice as a DICOM Part 10 file with dcmjs: CT Image Storage, Explicit VR Little
 * Endian, MONOCHROME2, 16 bits allocated. The patient module says the identity was removed and,
 * by default, leaves PatientName, PatientID and StudyID empty (zero-length, as the PS3.15 Basic
 * Profile's Z action does), so the files pass the API's anonymization check as they are. The
 * identified variant writes a pseudonym there (and StudyID 1), for tests of that check.
 * The descriptions say the images are synthetic.
 */
import { createRequire } from 'node:module';
import type { PixelStorage } from './options';
import { CT_IMAGE_STORAGE, EXPLICIT_VR_LITTLE_ENDIAN, IMPLEMENTATION_CLASS_UID } from './uids';

/** The slice of the dcmjs API this module uses (dcmjs ships no type declarations). */
interface Dcmjs {
  data: {
    DicomMetaDictionary: { denaturalizeDataset(ds: Record<string, unknown>): Record<string, unknown> };
    DicomDict: new (meta: Record<string, unknown>) => { dict: Record<string, unknown>; write(): ArrayBuffer };
  };
}

// The CommonJS build keeps this loadable from every workspace without an ambient module declaration.
const dcmjs = createRequire(import.meta.url)('dcmjs') as Dcmjs;

/** SeriesDescription of every file: says the images are synthetic. */
export const SYNTHETIC_DESCRIPTION = 'SYNTHETIC CTPA PHANTOM - NOT PATIENT DATA';

/** How stored values map to HU for each storage layout. */
export const STORAGE_LAYOUT: Readonly<
  Record<PixelStorage, { pixelRepresentation: 0 | 1; bitsStored: number; intercept: number; min: number; max: number }>
> = {
  // 12-bit unsigned with −1024 intercept: stored 0 is −1024 HU, 4095 is 3071 HU.
  unsigned: { pixelRepresentation: 0, bitsStored: 12, intercept: -1024, min: 0, max: 4095 },
  // Signed HU stored as is; the range matches what scanners reconstruct.
  signed: { pixelRepresentation: 1, bitsStored: 16, intercept: 0, min: -1024, max: 3071 },
};

/** What is the same for every slice of a series. */
export interface SeriesHeader {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid: string;
  /** The study's pseudonym, e.g. `PHANTOM-12`. */
  pseudonym: string;
  /** Writes the pseudonym as PatientName and PatientID and a StudyID (refused by the API); default: all empty. */
  identified: boolean;
  rows: number;
  cols: number;
  pixelSpacingMm: number;
  sliceThicknessMm: number;
  sliceSpacingMm: number;
  tableHeightMm: number;
  storage: PixelStorage;
  /** False for studies with a mistimed bolus, to keep the header honest about contrast. */
  contrast: boolean;
}

/** What changes from slice to slice. */
export interface SliceFields {
  sopInstanceUid: string;
  instanceNumber: number;
  /** Centre of the first transmitted pixel (mm). */
  imagePositionPatient: [number, number, number];
}

/** Quantises HU to the stored type (rounded, clamped to the layout's range). */
export function quantise(hu: Float32Array, storage: PixelStorage): Int16Array | Uint16Array {
  const layout = STORAGE_LAYOUT[storage];
  const out = storage === 'unsigned' ? new Uint16Array(hu.length) : new Int16Array(hu.length);
  const { intercept, min, max } = layout;
  for (let k = 0; k < hu.length; k++) {
    const v = Math.round(hu[k]! - intercept);
    out[k] = v < min ? min : v > max ? max : v;
  }
  return out;
}

/** The series-constant attributes, naturalized (dcmjs keyword → value). */
function seriesAttributes(h: SeriesHeader): Record<string, unknown> {
  const layout = STORAGE_LAYOUT[h.storage];
  return {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: ['DERIVED', 'SECONDARY', 'AXIAL'],
    SOPClassUID: CT_IMAGE_STORAGE,
    StudyDate: '',
    StudyTime: '',
    AccessionNumber: '',
    Modality: 'CT',
    Manufacturer: 'Embolus',
    ReferringPhysicianName: '',
    StudyDescription: 'SYNTHETIC CT PULMONARY ANGIOGRAM',
    SeriesDescription: SYNTHETIC_DESCRIPTION,
    ManufacturerModelName: 'embolus-phantom',
    PatientName: h.identified ? h.pseudonym : '',
    PatientID: h.identified ? h.pseudonym : '',
    PatientBirthDate: '',
    PatientSex: '',
    PatientIdentityRemoved: 'YES',
    DeidentificationMethod: 'Synthetic phantom from a random seed; no patient data',
    BodyPartExamined: 'CHEST',
    ContrastBolusAgent: h.contrast ? 'IODINATED CONTRAST' : '',
    SliceThickness: h.sliceThicknessMm,
    KVP: 120,
    SpacingBetweenSlices: h.sliceSpacingMm,
    TableHeight: h.tableHeightMm,
    PatientPosition: 'HFS',
    StudyInstanceUID: h.studyInstanceUid,
    SeriesInstanceUID: h.seriesInstanceUid,
    StudyID: h.identified ? '1' : '',
    SeriesNumber: 2,
    AcquisitionNumber: 1,
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
    FrameOfReferenceUID: h.frameOfReferenceUid,
    PositionReferenceIndicator: '',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: h.rows,
    Columns: h.cols,
    PixelSpacing: [h.pixelSpacingMm, h.pixelSpacingMm],
    BitsAllocated: 16,
    BitsStored: layout.bitsStored,
    HighBit: layout.bitsStored - 1,
    PixelRepresentation: layout.pixelRepresentation,
    // A CTPA window: wide enough to tell contrast (≈ 300 HU) from clot (≈ 50 HU).
    WindowCenter: 100,
    WindowWidth: 700,
    RescaleIntercept: layout.intercept,
    RescaleSlope: 1,
    RescaleType: 'HU',
  };
}

/**
 * Encodes the slices of one series as Part 10 files. The series-constant attributes are
 * converted to dcmjs's tag dictionary once; each slice converts only its own few attributes
 * (dcmjs sorts tags when writing, so merging the two dictionaries is safe). This halves the
 * cost of small slices, where dcmjs's per-attribute bookkeeping dominates.
 */
export class SeriesEncoder {
  private readonly template: Record<string, unknown>;

  constructor(header: SeriesHeader) {
    this.template = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(seriesAttributes(header));
  }

  /** One slice's file, from stored values already quantised for the series' storage. */
  encode(f: SliceFields, pixels: Int16Array | Uint16Array): Uint8Array {
    const { DicomMetaDictionary, DicomDict } = dcmjs.data;
    const own = DicomMetaDictionary.denaturalizeDataset({
      _vrMap: { PixelData: 'OW' },
      SOPInstanceUID: f.sopInstanceUid,
      InstanceNumber: f.instanceNumber,
      ImagePositionPatient: f.imagePositionPatient,
      SliceLocation: f.imagePositionPatient[2],
      PixelData: [pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength)],
    });
    const meta = DicomMetaDictionary.denaturalizeDataset({
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: CT_IMAGE_STORAGE,
      MediaStorageSOPInstanceUID: f.sopInstanceUid,
      TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
      ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
      ImplementationVersionName: 'EMBOLUS_PHANTOM',
    });
    const dict = new DicomDict(meta);
    dict.dict = { ...this.template, ...own };
    return new Uint8Array(dict.write());
  }
}
