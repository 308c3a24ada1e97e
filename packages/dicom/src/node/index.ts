/**
 * `@embolus/dicom/node`: the Node-only half of the package (node:fs, worker threads): reading
 * files, scanning folders, and loading a study's chosen series with parallel decoding.
 */
export { listFiles, scanFolder, loadStudyVolume, type FolderScan } from './files';
export { readBytes } from './read-bytes';
