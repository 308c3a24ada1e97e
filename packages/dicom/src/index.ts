export { DicomError, type DicomErrorCode } from './errors';
export { parseDicomBytes, sequenceDepth, DEFAULT_PARSE_LIMITS, MAX_SEQUENCE_DEPTH, type ParsedDicom, type ParseLimits } from './parse';
export { inflateRawChunks, inflateRawBounded, InflateLimitError, INFLATE_MAX_SLICE_BYTES, INFLATE_STEP_OUTPUT_BYTES } from './inflate';
export {
  readInstanceInfo,
  type InstanceInfo,
  type PixelModule,
  type FramePlane,
  type ModalityLut,
  type Padding,
  type Vec3,
} from './instance-info';
export {
  decodeStoredPixels,
  frameBytes,
  toModalityValues,
  DEFAULT_DECODE_LIMITS,
  type DecodeLimits,
  type StoredPixels,
  type ModalityPixels,
} from './pixels';
export { decodeModalityInto } from './hu-into';
export { decodeDicom, decodeDicomInto, readDicomInfo, type DecodeOptions, type DecodedImage } from './decode';
export { transferSyntaxInfo, supportedTransferSyntaxes, TS, type TransferSyntaxInfo, type CodecId } from './transfer-syntax';
export { setWasmModuleProvider, WASM_CODECS, type WasmModuleProvider, type WasmCodecName } from './codecs/wasm';
export { decodeRleFrame } from './codecs/rle';
export { groupBySeries, planSeries, chooseSeries, type SeriesPlan, type SeriesChoice, type SeriesWarning, type SliceRef } from './series';
export { assembleVolume, finishVolume, slicesByInstance, type Volume } from './volume';
export { toDicomJson, topLevelValue, type DicomJsonAttribute, type DicomJsonDataset, type DicomJsonOptions } from './dicom-json';
