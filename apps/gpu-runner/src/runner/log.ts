/**
 * Structured JSON logs, one object per line. Only allow-listed fields are written: opaque job
 * and study ids from the API, stages, codes, counts and durations. DICOM UIDs, file paths and
 * free-form error messages from study data never reach the log.
 */

/** Log levels in increasing severity. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

/** Fields a log line may carry; anything else passed in is dropped. */
const ALLOWED = new Set([
  'runnerId', 'jobId', 'studyId', 'kind', 'stage', 'attempt', 'code', 'retryable', 'ms', 'delayMs', 'failures', 'status',
  'instances', 'bytes', 'windows', 'modelVersion', 'shadow', 'executionProvider', 'concurrency', 'port', 'epoch', 'phase',
  'loss', 'valLoss', 'auroc', 'signal', 'reason', 'count', 'api', 'active', 'timings',
]);
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A logger: `event` is a fixed dotted name (`job.claimed`), `fields` are filtered. */
export interface Logger {
  log(level: Level, event: string, fields?: Record<string, unknown>): void;
}

/** Keeps only allow-listed keys whose values are numbers, booleans, short strings or plain objects of those. */
export function redact(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (!ALLOWED.has(k) || v === undefined) continue;
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[k] = v;
    else if (typeof v === 'string') out[k] = v.slice(0, 120);
    else if (typeof v === 'object' && !Array.isArray(v)) {
      // Nested objects (timings, api origin) keep numeric and boolean values only.
      out[k] = Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => typeof x === 'number' || typeof x === 'boolean'));
    }
  }
  return out;
}

/** A logger writing JSON lines to `write` (stdout by default) at `minLevel` and above. */
export function jsonLogger(minLevel: Level = 'info', write: (line: string) => void = (l) => void process.stdout.write(l), base: Record<string, unknown> = {}): Logger {
  return {
    log(level, event, fields = {}) {
      if (ORDER[level] < ORDER[minLevel]) return;
      write(JSON.stringify({ ts: new Date().toISOString(), level, event, ...redact({ ...base, ...fields }) }) + '\n');
    },
  };
}
