/**
 * @embolus/edge-api: the Hono app and its parts. Safe for Workers; the Node server and CLI are
 * under `src/node/`.
 */
export { createApp } from './app';
export type { AppDeps, AppEnv } from './deps';
export { parseConfig, EnvSchema, WORKERS_REQUEST_LIMIT_BYTES, type Config } from './env';
export { ApiError, toErrorResponse, type ApiErrorCode, type ErrorBody } from './errors';
export { consoleLogger, memoryLogger, type Logger, type LogLevel } from './log';
export { MemoryRateLimiter, StoreRateLimiter, type RateLimiter } from './middleware/rate-limit';
export { CONFIDENTIALITY_PROFILE, formatTag, type ProfileAttribute } from './upload/confidentiality-profile';
export { inspectInstance, identifyingValues, compilePseudonym, CT_SOP_CLASSES } from './upload/inspect';
export { dispatchWebhooks, sign, verifySignature, SIGNATURE_HEADER } from './webhooks/dispatch';
export { summarize } from '@embolus/shared';
