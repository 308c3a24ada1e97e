/**
 * The service configuration, parsed once from environment strings (Node `process.env`, or the
 * `[vars]` of wrangler.toml on Workers). Every limit has a default; nothing else reads env.
 */
import { z } from 'zod';

const MiB = 1024 * 1024;
const int = (def: number, min = 0) => z.coerce.number().int().min(min).default(def);
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/**
 * The Cloudflare Workers request body limit on the Free and Pro plans (Business: 200 MB,
 * Enterprise: 500 MB by default). A single request cannot be larger on those plans, so batch
 * uploads above it must be split; instance-by-instance PUTs are never near it.
 */
export const WORKERS_REQUEST_LIMIT_BYTES = 100 * 1000 * 1000;

/** Environment variables, all optional strings. */
export const EnvSchema = z.object({
  /** Largest DICOM instance accepted, bytes. */
  EMBOLUS_MAX_INSTANCE_BYTES: int(64 * MiB, 1),
  /** Largest study (sum of its instances), bytes. */
  EMBOLUS_MAX_STUDY_BYTES: int(4096 * MiB, 1),
  EMBOLUS_MAX_STUDY_INSTANCES: int(5000, 1),
  /** Largest request body (zip, multipart, STOW-RS), bytes; default the Workers Free/Pro limit. */
  EMBOLUS_MAX_REQUEST_BYTES: int(WORKERS_REQUEST_LIMIT_BYTES, 1),
  /** Zip archives: most entries, and most bytes after inflating all of them. */
  EMBOLUS_MAX_ZIP_ENTRIES: int(10_000, 1),
  EMBOLUS_MAX_ZIP_INFLATED_BYTES: int(1024 * MiB, 1),
  /** Requests per key per minute; 0 disables the limit. */
  EMBOLUS_RATE_LIMIT_PER_MINUTE: int(3000),
  /** `memory`: per process (exact on one Node process); `database`: shared by all isolates. */
  EMBOLUS_RATE_LIMIT_STORE: z.enum(['memory', 'database']).default('memory'),
  /** Default and longest job lease, seconds. */
  EMBOLUS_LEASE_SECONDS: int(300, 1),
  EMBOLUS_MAX_LEASE_SECONDS: int(3600, 1),
  EMBOLUS_JOB_MAX_ATTEMPTS: int(3, 1),
  EMBOLUS_JOB_BACKOFF_BASE_SECONDS: int(30, 0),
  EMBOLUS_JOB_BACKOFF_MAX_SECONDS: int(3600, 0),
  EMBOLUS_WEBHOOK_MAX_ATTEMPTS: int(8, 1),
  EMBOLUS_WEBHOOK_BACKOFF_BASE_SECONDS: int(30, 0),
  EMBOLUS_WEBHOOK_BACKOFF_MAX_SECONDS: int(6 * 3600, 0),
  EMBOLUS_WEBHOOK_TIMEOUT_MS: int(10_000, 1),
  /** Allow `http://` webhook URLs (local testing only). */
  EMBOLUS_WEBHOOK_ALLOW_HTTP: bool(false),
  /** How long a verified key is cached in memory; revocations take at most this long. */
  EMBOLUS_AUTH_CACHE_SECONDS: int(30, 0),
  EMBOLUS_MAX_RESULT_BYTES: int(1 * MiB, 1),
  EMBOLUS_MAX_ARTIFACT_BYTES: int(64 * MiB, 1),
  EMBOLUS_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** Audit records older than this many days are deleted (hourly on Node, every five minutes by the cron on Workers). */
  EMBOLUS_AUDIT_RETENTION_DAYS: int(365, 1),
  /**
   * Crash leftovers (`*.tmp` files, blobs without rows) are cleaned at start and by `fsck` only
   * when older than this, so a file another process is still writing is never touched.
   */
  EMBOLUS_LEFTOVER_GRACE_SECONDS: int(3600, 60),
  /** DICOM listener: a study is submitted when no instance arrived for this long, ms. */
  EMBOLUS_DICOM_QUIET_MS: int(10_000, 50),
  /** DICOM listener: most open connections; each may buffer one instance (EMBOLUS_MAX_INSTANCE_BYTES). */
  EMBOLUS_DICOM_MAX_ASSOCIATIONS: int(16, 1),
  /**
   * Results older than this get no DICOM objects when the result worker starts: a destination
   * added today must not receive years of old results.
   */
  EMBOLUS_DICOM_OUTPUT_MAX_AGE_HOURS: int(24, 1),
  /** DICOM result deliveries (PACS, STOW-RS): attempts, backoff (ms) and per-attempt timeout. */
  EMBOLUS_DICOM_DELIVERY_MAX_ATTEMPTS: int(8, 1),
  EMBOLUS_DICOM_DELIVERY_BACKOFF_BASE_MS: int(30_000, 0),
  EMBOLUS_DICOM_DELIVERY_BACKOFF_MAX_MS: int(6 * 3600_000, 0),
  EMBOLUS_DICOM_DELIVERY_TIMEOUT_MS: int(60_000, 1),
});

/** The parsed configuration. */
export interface Config {
  maxInstanceBytes: number;
  maxStudyBytes: number;
  maxStudyInstances: number;
  maxRequestBytes: number;
  maxZipEntries: number;
  maxZipInflatedBytes: number;
  rateLimitPerMinute: number;
  rateLimitStore: 'memory' | 'database';
  leaseMs: number;
  maxLeaseMs: number;
  jobMaxAttempts: number;
  jobBackoff: { baseMs: number; maxMs: number };
  webhookMaxAttempts: number;
  webhookBackoff: { baseMs: number; maxMs: number };
  webhookTimeoutMs: number;
  webhookAllowHttp: boolean;
  authCacheMs: number;
  maxResultBytes: number;
  maxArtifactBytes: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  auditRetentionMs: number;
  leftoverGraceMs: number;
  dicomQuietMs: number;
  dicomMaxAssociations: number;
  dicomOutputMaxAgeMs: number;
  dicomDeliveryMaxAttempts: number;
  dicomDeliveryBackoff: { baseMs: number; maxMs: number };
  dicomDeliveryTimeoutMs: number;
}

/**
 * Parses the environment (unknown keys ignored; empty strings count as unset).
 * @throws ZodError naming the variable that does not parse.
 */
export function parseConfig(env: Record<string, unknown>): Config {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = typeof v === 'string' ? v.trim() : String(v);
  }
  const e = EnvSchema.parse(picked);
  return {
    maxInstanceBytes: e.EMBOLUS_MAX_INSTANCE_BYTES,
    maxStudyBytes: e.EMBOLUS_MAX_STUDY_BYTES,
    maxStudyInstances: e.EMBOLUS_MAX_STUDY_INSTANCES,
    maxRequestBytes: e.EMBOLUS_MAX_REQUEST_BYTES,
    maxZipEntries: e.EMBOLUS_MAX_ZIP_ENTRIES,
    maxZipInflatedBytes: e.EMBOLUS_MAX_ZIP_INFLATED_BYTES,
    rateLimitPerMinute: e.EMBOLUS_RATE_LIMIT_PER_MINUTE,
    rateLimitStore: e.EMBOLUS_RATE_LIMIT_STORE,
    leaseMs: e.EMBOLUS_LEASE_SECONDS * 1000,
    maxLeaseMs: e.EMBOLUS_MAX_LEASE_SECONDS * 1000,
    jobMaxAttempts: e.EMBOLUS_JOB_MAX_ATTEMPTS,
    jobBackoff: { baseMs: e.EMBOLUS_JOB_BACKOFF_BASE_SECONDS * 1000, maxMs: e.EMBOLUS_JOB_BACKOFF_MAX_SECONDS * 1000 },
    webhookMaxAttempts: e.EMBOLUS_WEBHOOK_MAX_ATTEMPTS,
    webhookBackoff: { baseMs: e.EMBOLUS_WEBHOOK_BACKOFF_BASE_SECONDS * 1000, maxMs: e.EMBOLUS_WEBHOOK_BACKOFF_MAX_SECONDS * 1000 },
    webhookTimeoutMs: e.EMBOLUS_WEBHOOK_TIMEOUT_MS,
    webhookAllowHttp: e.EMBOLUS_WEBHOOK_ALLOW_HTTP,
    authCacheMs: e.EMBOLUS_AUTH_CACHE_SECONDS * 1000,
    maxResultBytes: e.EMBOLUS_MAX_RESULT_BYTES,
    maxArtifactBytes: e.EMBOLUS_MAX_ARTIFACT_BYTES,
    logLevel: e.EMBOLUS_LOG_LEVEL,
    auditRetentionMs: e.EMBOLUS_AUDIT_RETENTION_DAYS * 86_400_000,
    leftoverGraceMs: e.EMBOLUS_LEFTOVER_GRACE_SECONDS * 1000,
    dicomQuietMs: e.EMBOLUS_DICOM_QUIET_MS,
    dicomMaxAssociations: e.EMBOLUS_DICOM_MAX_ASSOCIATIONS,
    dicomOutputMaxAgeMs: e.EMBOLUS_DICOM_OUTPUT_MAX_AGE_HOURS * 3_600_000,
    dicomDeliveryMaxAttempts: e.EMBOLUS_DICOM_DELIVERY_MAX_ATTEMPTS,
    dicomDeliveryBackoff: { baseMs: e.EMBOLUS_DICOM_DELIVERY_BACKOFF_BASE_MS, maxMs: e.EMBOLUS_DICOM_DELIVERY_BACKOFF_MAX_MS },
    dicomDeliveryTimeoutMs: e.EMBOLUS_DICOM_DELIVERY_TIMEOUT_MS,
  };
}
