/**
 * @embolus/db: the drizzle schema, repositories and blob stores. This entry point is safe for
 * Workers (D1, R2); the Node drivers (better-sqlite3, folder) are in `@embolus/db/node`.
 */
export * from './schema';
export { type AnyDb, type BatchStatement, type SqlDriver, type D1DatabaseLike, run, all } from './driver';
export { d1Driver } from './d1';
export { DbError, type DbErrorCode } from './errors';
export { newId, randomToken, sha256Hex, toHex, systemClock, type Clock } from './ids';
export { type BlobStore, type BlobHead, type BlobStream, type R2BucketLike, R2BlobStore, MemoryBlobStore, assertBlobKey } from './blob';
export { createStore, type Store } from './store';
export { TenantRepo, KeyRepo, KEY_PATTERN, type Tenant, type ApiKeyInfo, type Principal } from './repos/auth';
export {
  StudyRepo,
  type Study,
  type Instance,
  type Job,
  type SeriesSummary,
  type WorklistQuery,
  type StudyLimits,
  type NewInstance,
  type DicomSearchAttributes,
  type AddInstanceOutcome,
  type SubmitOutcome,
} from './repos/studies';
export { JobRepo, type Backoff, type JobFailure, type LeaseOutcome } from './repos/jobs';
export {
  ResultRepo,
  NON_DIAGNOSTIC_SORT,
  type ResultRow,
  type Artifact,
  type Model,
  type StudySummary,
  type ModelRegistration,
  type Completion,
  type ShadowCompletion,
} from './repos/results';
export { ModelRepo, type Deployment, type StudyPrediction, type ModelChange } from './repos/models';
export { LabelRepo, type GroundTruth, type CohortRow, type DriftRow, type EnteredVia } from './repos/labels';
export { CohortPointRepo, PROBABILITY_COLUMNS, TRUTH_COLUMNS, type CohortColumns, type CohortPoint } from './repos/cohort-points';
export { ThresholdSetRepo, type ThresholdSet } from './repos/threshold-sets';
export { AlertRepo, type AlertRule, type AlertKind, type AlertEventRow, type AlertFiring } from './repos/alerts';
export { WebhookRepo, type WebhookInfo, type DeliveryRow, type DeliveryAttempt, type DueDelivery } from './repos/webhooks';
export {
  AuditRepo,
  auditPage,
  RateLimitRepo,
  type AuditEntry,
  type AuditPage,
  type AuditRecord,
  type AuditQuery,
  type PruneOutcome,
} from './repos/audit';
export { UserRepo, SessionRepo, SESSION_TOKEN_PATTERN, NO_PASSWORD, normalizeEmail, type UserInfo, type SessionView } from './repos/users';
export { resultFlags, jobStages, type ResultFlags } from './repos/worklist-flags';
export {
  DicomRepo,
  DICOM_SR_ARTIFACT,
  AE_TITLE_PATTERN,
  normalizeAeTitle,
  type DicomDestination,
  type DicomDeliveryRow,
  type DicomDeliveryAttempt,
  type NewDicomDestination,
} from './repos/dicom';
export {
  PasswordTokenRepo,
  OidcRepo,
  PASSWORD_TOKEN_PATTERN,
  type PasswordTokenPurpose,
  type RoleMapping,
  type OidcProvider,
  type OidcLogin,
} from './repos/identity';
export {
  DicomwebRepo,
  type DicomSearchFilter,
  type DicomPage,
  type DicomStudyRow,
  type DicomSeriesRow,
  type DicomInstanceRow,
} from './repos/dicomweb';
