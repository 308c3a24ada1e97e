/**
 * @embolus/deid: in-browser de-identification of DICOM CT files by the PS3.15 Basic Application
 * Level Confidentiality Profile (Retain UIDs Option) and the resumable upload of the result to
 * the Embolus API. Works in browsers, Web Workers and Node; React-free. A page's main thread
 * should import `@embolus/deid/client` (no dcmjs) and parse in `@embolus/deid/worker`.
 */
export * from './client';
export {
  deidentifyBuffer,
  scanBuffer,
  cleanDataset,
  checkHeader,
  CT_SOP_CLASSES,
  DEIDENTIFICATION_METHOD,
  type DeidOptions,
} from './deidentify';
export { resolveRules, methodCodes, formatTag, BROWSER_EXTRA, META_REMOVED, type Rule, type Treatment } from './profile';
export { scanFile, deidentifyFile, isPart10, SCAN_PREFIX_BYTES } from './read-file';
export { localProcessor } from './local-processor';
