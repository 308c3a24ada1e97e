/**
 * Structured JSON logs, one object per line. Only allow-listed fields are written: opaque job
 * and study ids from the API, stages, codes, counts and durations. DICOM UIDs, file paths and
 * free-form error messages from study data never reach the log. The line format and the
 * redaction are @embolus/shared's, shared with the API.
 */
import { jsonLogger as sharedJsonLogger, redact as redactFields, type Logger, type LogLevel } from '@embolus/shared';

export type { Logger };
/** Log levels in increasing severity. */
export type Level = LogLevel;

/** Fields a log line may carry; anything else passed in is dropped. */
const ALLOWED = new Set([
  'runnerId',
  'jobId',
  'studyId',
  'kind',
  'stage',
  'attempt',
  'code',
  'retryable',
  'ms',
  'delayMs',
  'failures',
  'status',
  'instances',
  'bytes',
  'windows',
  'modelVersion',
  'shadow',
  'executionProvider',
  'concurrency',
  'port',
  'epoch',
  'phase',
  'loss',
  'valLoss',
  'auroc',
  'signal',
  'reason',
  'count',
  'api',
  'active',
  'timings',
]);

/** Keeps only allow-listed keys whose values are numbers, booleans, short strings or plain objects of those. */
export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  return redactFields(fields, ALLOWED);
}

/** A logger writing JSON lines to `write` (stdout by default) at `minLevel` and above. */
export function jsonLogger(
  minLevel: Level = 'info',
  write: (line: string) => void = (l) => void process.stdout.write(l),
  base: Record<string, unknown> = {},
): Logger {
  return sharedJsonLogger({ min: minLevel, write, allow: ALLOWED, base });
}
