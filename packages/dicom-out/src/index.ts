/**
 * @embolus/dicom-out: analysis results as DICOM objects a PACS files into the analysed study,
 * a Comprehensive SR and Secondary Capture key images with the Grad-CAM overlay. Not for
 * clinical use; both objects say so.
 */
export { DicomOutError, type DicomOutErrorCode } from './errors';
export { CODES, PRIVATE_CODES, LABEL_CODES, PRIVATE_SCHEME, type Code } from './codes';
export { writeSr, COMPREHENSIVE_SR_STORAGE, NOT_FOR_CLINICAL_USE_TEXT, type SrInput, type InstanceRef } from './sr';
export {
  writeKeyImage,
  writeKeyImageWithPlacement,
  renderKeyImage,
  renderOverlay,
  OVERLAY_FLOOR,
  SECONDARY_CAPTURE_STORAGE,
  NOT_FOR_DIAGNOSTIC_USE,
  STRETCHED_NOTE,
  type KeyImageInput,
  type KeyImageRaster,
  type KeyImageRenderInput,
  type CamPlacement,
} from './key-image';
export {
  keyImageRasters,
  planKeyImages,
  prepareCam,
  windowCam,
  analysedSeries,
  type KeyImagePlan,
  type KeyImageRastersInput,
  type PreparedCam,
} from './key-plan';
export { camOnSlice, slicePlane, type PlacedCam } from './cam-placement';
export { readQuality, type QualitySummary } from './quality';
export { studyAttributesOf, type StudyAttributes } from './source';
export { readNpyFloat32 } from './npy';
export { newUid, writePart10 } from './write';
export {
  buildResultObjects,
  SR_SERIES_NUMBER,
  KEY_IMAGE_SERIES_NUMBER,
  type ResultObjectsInput,
  type SourceInstance,
  type WrittenObject,
} from './outputs';
