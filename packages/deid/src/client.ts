/**
 * @embolus/deid/client: what the upload page's main thread needs (the controller, the worker
 * pool, the plan, the API client, resume stores) without dcmjs, which only the worker loads.
 */
export { UploadController, type UploadControllerOptions, type ControllerEvent } from './controller';
export { DeidError, isAbort, type DeidErrorCode } from './errors';
export type { InstanceHeader, RemovedAttribute, DeidentifiedInstance } from './deidentify';
export type { ProfileOptions } from './profile';
export { DEFAULT_MAX_INSTANCE_BYTES } from './limits';
export type { FileLike, FileOptions } from './read-file';
export {
  buildPlan,
  type UploadPlan,
  type StudySummary,
  type SeriesSummary,
  type ScannedFile,
  type RefusedFile,
  type RemovedSummary,
} from './plan';
export {
  workerProcessor,
  type DicomProcessor,
  type WorkerLike,
  type WorkerRequest,
  type WorkerResponse,
  type ScanResult,
} from './processor';
export { scanFiles, type ScanOptions } from './scan';
export { expandArchives, isZip, type ZipOptions, type ArchiveRefusal, type StreamableFile } from './zip';
export { ApiClient, type ApiClientOptions, type RetryPolicy } from './api-client';
export { storageResumeStore, memoryResumeStore, defaultResumeStore, type ResumeStore, type StorageLike } from './resume-store';
export { uploadPlan, type UploadOptions, type UploadEvent, type UploadReport, type StudyOutcome, type StudyState } from './upload';
