/**
 * `@embolus/dicom/node`: the Node-only half of the package (node:fs, worker threads): reading
 * files, scanning folders, and loading a study's chosen series with parallel decoding, from a
 * folder or from bytes held in memory.
 */
export { listFiles, scanFolder, loadStudyVolume, checkVolumeSize, type FolderScan, type LoadStudyOptions } from './files';
export { loadStudyVolumeFromMemory, StudyBuffer, type StudyInMemory } from './memory-study';
export { readBytes } from './read-bytes';
