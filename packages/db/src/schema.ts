/**
 * The drizzle schema (sqlite-core), shared by better-sqlite3 on Node and D1 on Workers.
 *
 * Conventions: ids are random text (UUIDs, audit rows excepted); times are epoch milliseconds
 * (UTC) in integer columns; JSON is stored as text and parsed at the repository boundary.
 * No table holds patient-identifying values: uploads are refused unless anonymized, and the
 * only DICOM identifiers kept are (pseudonymous) UIDs.
 */
import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** A customer organisation. Every other row belongs to exactly one tenant. */
export const tenants = sqliteTable(
  'tenants',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull().unique(),
    /** Optional regex (ECMAScript source) a pseudonymous PatientID must match in full. */
    pseudonymRegex: text('pseudonym_regex'),
    /**
     * Bumped by triggers (migration 0001) on every insert or update of the tenant's studies, so a
     * cached worklist page can be checked for freshness with one primary-key read.
     */
    worklistVersion: integer('worklist_version').notNull().default(0),
    /**
     * Order of the tenant's latest job claim among all tenants (0: never). A trigger (migration
     * 0004) sets it to one more than the largest in the same statement as the claim, so platform
     * runners serve the tenant whose last claim is oldest: round-robin by tenant. A counter, not
     * a time, so claims in the same millisecond still rotate.
     */
    claimSeq: integer('claim_seq').notNull().default(0),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('tenants_claim_seq').on(t.claimSeq)],
);

/**
 * The reserved tenant that holds `platform-runner` keys, and only those. It has no studies;
 * its keys claim jobs of every tenant (JobRepo.claimAcrossTenants).
 */
export const PLATFORM_TENANT = '@platform';

/** API keys. Only the SHA-256 of the key is stored; `prefix` is the public part shown in lists. */
export const apiKeys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    role: text('role', { enum: ['clinician', 'partner', 'quality', 'admin', 'runner', 'platform-runner'] }).notNull(),
    keyHash: text('key_hash').notNull().unique(),
    prefix: text('prefix').notNull(),
    label: text('label'),
    createdAt: integer('created_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('api_keys_tenant').on(t.tenantId)],
);

/**
 * A study as uploaded through the API. The result columns (`urgency`, `sortProbability`,
 * `decision`…) are copied from the latest analysis result so the worklist sorts on an index.
 */
export const studies = sqliteTable(
  'studies',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    status: text('status', { enum: ['receiving', 'queued', 'processing', 'complete', 'failed'] }).notNull(),
    studyInstanceUid: text('study_instance_uid'),
    instanceCount: integer('instance_count').notNull().default(0),
    totalBytes: integer('total_bytes').notNull().default(0),
    priority: integer('priority').notNull().default(0),
    /** Input descriptors for drift monitoring (manufacturer, slice thickness…), JSON. */
    descriptors: text('descriptors'),
    analysisJobId: text('analysis_job_id'),
    resultId: text('result_id'),
    /** 0: central PE with RV/LV ≥ 1; 1: any other result; 2: no result yet. */
    urgency: integer('urgency').notNull().default(2),
    /**
     * Study-level PE probability (1 − P(negative exam)); −1 without a result; NON_DIAGNOSTIC_SORT
     * (above every probability) for a non-diagnostic result, which has no PE probability to rank by.
     */
    sortProbability: real('sort_probability').notNull().default(-1),
    /** `non_diagnostic`: the study failed a quality gate; its decisions are withheld (its own worklist state). */
    decision: text('decision', { enum: ['positive', 'negative', 'indeterminate', 'non_diagnostic'] }),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    submittedAt: integer('submitted_at'),
    completedAt: integer('completed_at'),
  },
  (t) => [
    // Matches the worklist ORDER BY column for column (directions included), so SQLite walks
    // the index and stops after `limit` rows instead of sorting the tenant's studies.
    index('studies_worklist').on(t.tenantId, t.urgency, sql`${t.sortProbability} desc`, sql`${t.createdAt} desc`, sql`${t.id} desc`),
    index('studies_tenant_created').on(t.tenantId, t.createdAt),
    index('studies_tenant_uid').on(t.tenantId, t.studyInstanceUid),
  ],
);

/** One stored DICOM instance. (study, SOP Instance UID) is unique; the bytes live in the blob store. */
export const instances = sqliteTable(
  'instances',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    studyId: text('study_id')
      .notNull()
      .references(() => studies.id),
    sopInstanceUid: text('sop_instance_uid').notNull(),
    seriesInstanceUid: text('series_instance_uid'),
    sopClassUid: text('sop_class_uid'),
    modality: text('modality'),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    blobKey: text('blob_key').notNull(),
    /** PatientIdentityRemoved (0012,0062) was YES. */
    identityRemoved: integer('identity_removed', { mode: 'boolean' }).notNull().default(false),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('instances_study_sop').on(t.studyId, t.sopInstanceUid),
    index('instances_study_series').on(t.studyId, t.seriesInstanceUid),
  ],
);

/** Work for runners: analysis of a study, training or evaluation (payload JSON). */
export const jobs = sqliteTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    studyId: text('study_id').references(() => studies.id),
    kind: text('kind', { enum: ['analysis', 'training', 'evaluation'] }).notNull(),
    status: text('status', { enum: ['queued', 'leased', 'done', 'failed'] }).notNull(),
    priority: integer('priority').notNull().default(0),
    payload: text('payload').notNull(),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull(),
    /** Not claimable before this time (retry backoff). */
    availableAt: integer('available_at').notNull(),
    leaseToken: text('lease_token'),
    leaseOwner: text('lease_owner'),
    leaseExpiresAt: integer('lease_expires_at'),
    /** The last failure, JSON `{ code, message, at, attempt }`. */
    lastError: text('last_error'),
    /** The runner's latest progress report (stage, epoch metrics…), JSON; migration 0002. */
    progress: text('progress'),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    completedAt: integer('completed_at'),
  },
  (t) => [index('jobs_queue').on(t.tenantId, t.status, t.availableAt), index('jobs_study').on(t.studyId)],
);

/** The result a runner stored for a job (AnalysisResult JSON for analysis jobs). */
export const results = sqliteTable(
  'results',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    jobId: text('job_id')
      .notNull()
      .unique()
      .references(() => jobs.id),
    studyId: text('study_id').references(() => studies.id),
    kind: text('kind', { enum: ['analysis', 'training', 'evaluation'] }).notNull(),
    modelVersion: text('model_version'),
    /** Study label → probability, JSON (analysis only): cohort and drift read this, not `body`. */
    probabilities: text('probabilities'),
    /** Study-level PE probability, 1 − P(negative exam) (analysis only). */
    peProbability: real('pe_probability'),
    body: text('body').notNull(),
    createdAt: integer('created_at').notNull(),
    /** The site threshold set (thresholdSets.id) the decisions were made with; null: the model's own (issue 18). */
    thresholdSetId: text('threshold_set_id'),
  },
  (t) => [index('results_study').on(t.studyId), index('results_tenant_created').on(t.tenantId, t.createdAt)],
);

/** Files a runner uploaded for a job (attention maps, CAM volumes). */
export const artifacts = sqliteTable(
  'artifacts',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    studyId: text('study_id').references(() => studies.id),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    size: integer('size').notNull(),
    sha256: text('sha256').notNull(),
    blobKey: text('blob_key').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('artifacts_job_name').on(t.jobId, t.name), index('artifacts_study').on(t.studyId)],
);

/** Model versions known to a tenant (registered by training jobs or seen in results). */
export const models = sqliteTable(
  'models',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    version: text('version').notNull(),
    sha256: text('sha256').notNull(),
    trainedOn: text('trained_on').notNull(),
    status: text('status', { enum: ['registered', 'active', 'shadow', 'retired'] }).notNull(),
    /** Model card: metrics, thresholds…, JSON. */
    card: text('card'),
    /**
     * The training job whose artifacts hold the model files (manifest.json, phase1.onnx,
     * phase2.onnx); null for models only seen in results, which runners must have locally.
     */
    jobId: text('job_id'),
    /** When the version last became active (migration 0002). */
    activatedAt: integer('activated_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('models_tenant_version').on(t.tenantId, t.version)],
);

/**
 * Results of a shadow model, computed beside the active one on the same study and job: stored
 * for comparison, never shown as the decision (migration 0002).
 */
export const shadowResults = sqliteTable(
  'shadow_results',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    studyId: text('study_id').references(() => studies.id),
    modelVersion: text('model_version').notNull(),
    /** Study label → raw probability, JSON (what comparisons read). */
    probabilities: text('probabilities').notNull(),
    peProbability: real('pe_probability'),
    body: text('body').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('shadow_results_job_model').on(t.jobId, t.modelVersion),
    index('shadow_results_model').on(t.tenantId, t.modelVersion),
  ],
);

/** Ground truth per study and label (0 or 1), recorded by the quality role. */
export const groundTruth = sqliteTable(
  'ground_truth',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    studyId: text('study_id')
      .notNull()
      .references(() => studies.id),
    label: text('label').notNull(),
    value: integer('value').notNull(),
    source: text('source').notNull(),
    recordedBy: text('recorded_by').notNull(),
    recordedAt: integer('recorded_at').notNull(),
    /** How it was entered: `api` (a key), `ui` (a dashboard session) or `csv` (an import) (issue 18). */
    enteredVia: text('entered_via', { enum: ['api', 'ui', 'csv'] })
      .notNull()
      .default('api'),
  },
  (t) => [uniqueIndex('ground_truth_study_label').on(t.studyId, t.label), index('ground_truth_tenant').on(t.tenantId)],
);

/** Partner endpoints notified of results. The secret signs deliveries (HMAC-SHA256). */
export const webhooks = sqliteTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    url: text('url').notNull(),
    secret: text('secret').notNull(),
    /** JSON array of event names. */
    events: text('events').notNull(),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('webhooks_tenant').on(t.tenantId)],
);

/** One event to deliver to one webhook, with its attempts (the delivery log). */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    webhookId: text('webhook_id')
      .notNull()
      .references(() => webhooks.id),
    event: text('event').notNull(),
    payload: text('payload').notNull(),
    status: text('status', { enum: ['pending', 'sending', 'delivered', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    leaseExpiresAt: integer('lease_expires_at'),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    /** JSON array of `{ at, status, error, ms }`, one per attempt. */
    log: text('log').notNull().default('[]'),
    createdAt: integer('created_at').notNull(),
    deliveredAt: integer('delivered_at'),
  },
  (t) => [index('webhook_deliveries_due').on(t.status, t.nextAttemptAt), index('webhook_deliveries_webhook').on(t.webhookId, t.createdAt)],
);

/** Who did what to which study. Every read of a study's data writes one row. */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    tenantId: text('tenant_id').notNull(),
    keyId: text('key_id'),
    role: text('role'),
    action: text('action').notNull(),
    studyId: text('study_id'),
    /** JSON context (counts, names of artifacts…); never patient-identifying values. */
    detail: text('detail'),
    at: integer('at').notNull(),
  },
  (t) => [index('audit_tenant_at').on(t.tenantId, t.at), index('audit_study').on(t.studyId)],
);

/**
 * The study ids a worklist page showed, stored once per distinct page (migration 0003). A
 * `study.list` audit record names its page by `hash` instead of repeating the ids, so repeated
 * reads of the same page add one small row each. `last_at` is refreshed at most hourly and lets
 * pruning drop pages no retained record can reference.
 */
export const auditPages = sqliteTable(
  'audit_pages',
  {
    tenantId: text('tenant_id').notNull(),
    /** First 128 bits of SHA-256 over the ids, hex. */
    hash: text('hash').notNull(),
    /** JSON array of study ids, in page order. */
    studyIds: text('study_ids').notNull(),
    lastAt: integer('last_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.hash] })],
);

/**
 * People who sign in to the dashboard (migration 0004). An email is unique across tenants, so
 * sign-in needs only email and password; the role is one of the human roles. Only a scrypt hash
 * of the password is stored (format `scrypt$N$r$p$salt$hash`, see the API's auth/password.ts).
 */
export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    /** Lower-cased, trimmed. */
    email: text('email').notNull().unique(),
    role: text('role', { enum: ['clinician', 'quality', 'admin'] }).notNull(),
    passwordHash: text('password_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    disabledAt: integer('disabled_at'),
    /** `<issuer> <sub>` of a user provisioned by single sign-on (migration 0007); null otherwise. */
    oidcSubject: text('oidc_subject'),
  },
  (t) => [index('users_tenant').on(t.tenantId), uniqueIndex('users_oidc_subject').on(t.oidcSubject)],
);

/**
 * Dashboard sessions (migration 0004): an opaque random token sent as an httpOnly cookie; only
 * its SHA-256 is stored. A session ends at `expires_at`, after the idle timeout since
 * `last_seen_at`, or when revoked (sign-out).
 */
export const sessions = sqliteTable(
  'sessions',
  {
    id: text('id').primaryKey(),
    tokenHash: text('token_hash').notNull().unique(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    createdAt: integer('created_at').notNull(),
    lastSeenAt: integer('last_seen_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    revokedAt: integer('revoked_at'),
  },
  (t) => [index('sessions_user').on(t.userId), index('sessions_expires').on(t.expiresAt)],
);

/** Fixed-window request counters, for rate limits shared between Worker isolates. */
export const rateLimits = sqliteTable('rate_limits', {
  bucket: text('bucket').primaryKey(),
  windowStart: integer('window_start').notNull(),
  count: integer('count').notNull(),
});

/**
 * DICOM calling AE titles allowed to send to the listener, each mapped to one tenant
 * (migration 0004). An AE title not listed here is rejected at association.
 */
export const dicomAeTitles = sqliteTable(
  'dicom_ae_titles',
  {
    aeTitle: text('ae_title').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('dicom_ae_titles_tenant').on(t.tenantId)],
);

/**
 * Where a tenant's DICOM results (SR and key images) are sent (migration 0004): a PACS over
 * DIMSE C-STORE (`host`, `port`, `calledAe`, `callingAe`) or a DICOMweb STOW-RS endpoint (`url`).
 */
export const dicomDestinations = sqliteTable(
  'dicom_destinations',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    name: text('name').notNull(),
    kind: text('kind', { enum: ['dimse', 'stow-rs'] }).notNull(),
    host: text('host'),
    port: integer('port'),
    calledAe: text('called_ae'),
    callingAe: text('calling_ae'),
    url: text('url'),
    active: integer('active', { mode: 'boolean' }).notNull().default(true),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('dicom_destinations_tenant_name').on(t.tenantId, t.name)],
);

/** One result's DICOM objects to send to one destination, with its attempts (migration 0004). */
export const dicomDeliveries = sqliteTable(
  'dicom_deliveries',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    destinationId: text('destination_id')
      .notNull()
      .references(() => dicomDestinations.id),
    studyId: text('study_id')
      .notNull()
      .references(() => studies.id),
    /** The analysis job whose artifacts hold the SR and key images. */
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    /** JSON array of artifact names to send. */
    artifacts: text('artifacts').notNull(),
    status: text('status', { enum: ['pending', 'sending', 'delivered', 'failed'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: integer('next_attempt_at').notNull(),
    leaseExpiresAt: integer('lease_expires_at'),
    lastError: text('last_error'),
    /** JSON array of `{ at, ok, error, ms }`, one per attempt. */
    log: text('log').notNull().default('[]'),
    createdAt: integer('created_at').notNull(),
    deliveredAt: integer('delivered_at'),
  },
  (t) => [
    index('dicom_deliveries_due').on(t.status, t.nextAttemptAt),
    uniqueIndex('dicom_deliveries_job_destination').on(t.jobId, t.destinationId),
    index('dicom_deliveries_study').on(t.studyId),
  ],
);

/**
 * One-time set-password links (migration 0007): an invitation or a reset an admin made. Only the
 * SHA-256 of the token is stored; a token works once, until `expires_at`.
 */
export const passwordTokens = sqliteTable(
  'password_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    purpose: text('purpose', { enum: ['invite', 'reset'] }).notNull(),
    /** The principal (`user:<id>` or a key id) who made it. */
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [index('password_tokens_user').on(t.userId)],
);

/**
 * A tenant's OpenID Connect identity provider (migration 0007). The client secret is stored
 * encrypted by the API (AES-GCM, `v1.<iv>.<ciphertext>`); `role_map` is a JSON array of
 * `{ group, role }`, tried in order; a user none of whose groups maps is refused.
 */
export const oidcProviders = sqliteTable('oidc_providers', {
  tenantId: text('tenant_id')
    .primaryKey()
    .references(() => tenants.id),
  displayName: text('display_name').notNull(),
  issuer: text('issuer').notNull(),
  clientId: text('client_id').notNull(),
  clientSecret: text('client_secret').notNull(),
  scopes: text('scopes').notNull(),
  groupClaim: text('group_claim').notNull(),
  roleMap: text('role_map').notNull(),
  enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
  updatedAt: integer('updated_at').notNull(),
  updatedBy: text('updated_by').notNull(),
});

/**
 * Sign-ins through an IdP under way (migration 0007), keyed by the SHA-256 of `state`; bound
 * to the browser by the SHA-256 of a cookie value; used once, for a few minutes.
 */
export const oidcLogins = sqliteTable(
  'oidc_logins',
  {
    stateHash: text('state_hash').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    browserHash: text('browser_hash').notNull(),
    codeVerifier: text('code_verifier').notNull(),
    nonce: text('nonce').notNull(),
    nextPath: text('next_path').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('oidc_logins_expires').on(t.expiresAt)],
);

/**
 * The DICOM attributes QIDO-RS searches and answers, one row per stored instance, written with
 * the instance at ingest so a search never parses blobs. Only technical and descriptive
 * attributes (never patient attributes). Denormalised UIDs keep each query on one table.
 */
export const dicomInstanceAttributes = sqliteTable(
  'dicom_instance_attributes',
  {
    instanceId: text('instance_id')
      .primaryKey()
      .references(() => instances.id),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    studyId: text('study_id')
      .notNull()
      .references(() => studies.id),
    studyInstanceUid: text('study_instance_uid').notNull(),
    seriesInstanceUid: text('series_instance_uid').notNull(),
    sopInstanceUid: text('sop_instance_uid').notNull(),
    sopClassUid: text('sop_class_uid'),
    modality: text('modality'),
    /** DA (YYYYMMDD) and TM as stored, or null. */
    studyDate: text('study_date'),
    studyTime: text('study_time'),
    accessionNumber: text('accession_number'),
    studyDescription: text('study_description'),
    seriesDescription: text('series_description'),
    seriesNumber: integer('series_number'),
    instanceNumber: integer('instance_number'),
    rows: integer('rows'),
    columns: integer('columns'),
    numberOfFrames: integer('number_of_frames'),
    transferSyntaxUid: text('transfer_syntax_uid'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('dicom_attrs_tenant_study').on(t.tenantId, t.studyInstanceUid),
    index('dicom_attrs_tenant_series').on(t.tenantId, t.seriesInstanceUid),
    index('dicom_attrs_tenant_sop').on(t.tenantId, t.sopInstanceUid),
    index('dicom_attrs_tenant_date').on(t.tenantId, t.studyDate),
  ],
);

/**
 * What cohort monitoring reads, one row per analysed study (issue 18): the raw probability and
 * the ground truth (null: none) of each study label in columns, so a 100,000-study cohort is read
 * without parsing result JSON or joining ground truth. Written when a result is stored and when
 * ground truth is recorded; backfilled by its migration.
 */
export const cohortPoints = sqliteTable(
  'cohort_points',
  {
    studyId: text('study_id')
      .primaryKey()
      .references(() => studies.id),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    completedAt: integer('completed_at').notNull(),
    pNegativeExamForPe: real('p_negative_exam_for_pe'),
    pIndeterminate: real('p_indeterminate'),
    pChronicPe: real('p_chronic_pe'),
    pAcuteAndChronicPe: real('p_acute_and_chronic_pe'),
    pCentralPe: real('p_central_pe'),
    pLeftsidedPe: real('p_leftsided_pe'),
    pRightsidedPe: real('p_rightsided_pe'),
    pRvLvRatioGte1: real('p_rv_lv_ratio_gte_1'),
    pRvLvRatioLt1: real('p_rv_lv_ratio_lt_1'),
    tNegativeExamForPe: integer('t_negative_exam_for_pe'),
    tIndeterminate: integer('t_indeterminate'),
    tChronicPe: integer('t_chronic_pe'),
    tAcuteAndChronicPe: integer('t_acute_and_chronic_pe'),
    tCentralPe: integer('t_central_pe'),
    tLeftsidedPe: integer('t_leftsided_pe'),
    tRightsidedPe: integer('t_rightsided_pe'),
    tRvLvRatioGte1: integer('t_rv_lv_ratio_gte_1'),
    tRvLvRatioLt1: integer('t_rv_lv_ratio_lt_1'),
    /** The tenant's cohort version at this row's last write (set by trigger): a cached cohort reads only newer rows. */
    seq: integer('seq').notNull().default(0),
  },
  (t) => [index('cohort_points_tenant_time').on(t.tenantId, t.completedAt), index('cohort_points_tenant_seq').on(t.tenantId, t.seq)],
);

/**
 * Per tenant, a counter bumped by triggers (migration 0009) on every write to its cohort points,
 * so a cached cohort is checked for freshness with one primary-key read.
 */
export const cohortVersions = sqliteTable('cohort_versions', {
  tenantId: text('tenant_id')
    .primaryKey()
    .references(() => tenants.id),
  version: integer('version').notNull().default(0),
});

/**
 * Site decision thresholds (issue 18): immutable, versioned per tenant; the tenant's active set
 * is its highest version. `thresholds` is JSON label → threshold; `rules` JSON label → the rule
 * that chose it (or null when given by hand).
 */
export const thresholdSets = sqliteTable(
  'threshold_sets',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    version: integer('version').notNull(),
    thresholds: text('thresholds').notNull(),
    rules: text('rules').notNull(),
    note: text('note'),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('threshold_sets_tenant_version').on(t.tenantId, t.version)],
);

/** Drift alert rules per label (issue 18); `params` is JSON, its shape set by `kind`. */
export const alertRules = sqliteTable(
  'alert_rules',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    label: text('label').notNull(),
    kind: text('kind', { enum: ['auroc_lower_ci_below', 'cbpe_drop', 'coverage_below'] }).notNull(),
    params: text('params').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    createdBy: text('created_by').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [index('alert_rules_tenant').on(t.tenantId)],
);

/**
 * A rule that fired, for one period (issue 18). One event per rule and period (the unique
 * index), so a rule fires once per period; it stays `active` until an evaluation finds the rule
 * no longer breached (`resolved`).
 */
export const alertEvents = sqliteTable(
  'alert_events',
  {
    id: text('id').primaryKey(),
    tenantId: text('tenant_id')
      .notNull()
      .references(() => tenants.id),
    ruleId: text('rule_id')
      .notNull()
      .references(() => alertRules.id),
    label: text('label').notNull(),
    kind: text('kind').notNull(),
    period: text('period').notNull(),
    state: text('state', { enum: ['active', 'resolved'] }).notNull(),
    value: real('value'),
    message: text('message').notNull(),
    firedAt: integer('fired_at').notNull(),
    resolvedAt: integer('resolved_at'),
  },
  (t) => [
    uniqueIndex('alert_events_rule_period').on(t.ruleId, t.period),
    index('alert_events_tenant_state').on(t.tenantId, t.state, t.firedAt),
  ],
);

/** Every table, for `drizzle(…, { schema })`. */
export const schema = {
  tenants,
  apiKeys,
  studies,
  instances,
  jobs,
  results,
  artifacts,
  models,
  shadowResults,
  groundTruth,
  webhooks,
  webhookDeliveries,
  auditLog,
  auditPages,
  rateLimits,
  users,
  sessions,
  dicomAeTitles,
  dicomDestinations,
  dicomDeliveries,
  passwordTokens,
  oidcProviders,
  oidcLogins,
  dicomInstanceAttributes,
  cohortPoints,
  cohortVersions,
  thresholdSets,
  alertRules,
  alertEvents,
};

export type Role = (typeof apiKeys.$inferSelect)['role'];
/** Every role. `platform-runner` keys exist only in the PLATFORM_TENANT. */
export const ROLES = ['clinician', 'partner', 'quality', 'admin', 'runner', 'platform-runner'] as const satisfies readonly Role[];
/** The roles a tenant's own keys may have (what a tenant admin may create). */
export const TENANT_ROLES = ['clinician', 'partner', 'quality', 'admin', 'runner'] as const satisfies readonly Role[];
export type StudyStatus = (typeof studies.$inferSelect)['status'];
export type JobKind = (typeof jobs.$inferSelect)['kind'];
export type JobStatus = (typeof jobs.$inferSelect)['status'];
export type Decision = NonNullable<(typeof studies.$inferSelect)['decision']>;
export type UserRole = (typeof users.$inferSelect)['role'];
/** The roles a person (a dashboard user) can have; runners and partners use keys. */
export const USER_ROLES = ['clinician', 'quality', 'admin'] as const satisfies readonly UserRole[];
