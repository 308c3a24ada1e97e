/**
 * Structured logs, one JSON object per line, for the API and the runner alike. Callers pass ids,
 * codes, counts and route patterns; whatever else reaches a line is bounded by {@link redact}:
 * only flat values (and, with an allow-list, only named fields), strings cut short, so a stray
 * path, UID or message from study data cannot spill a whole record into the log.
 */

/** Log levels in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A logger: `event` is a fixed dotted name (`job.claimed`), `fields` are redacted. */
export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Longest string value a log line keeps. */
export const LOG_STRING_MAX = 120;

/**
 * Keeps numbers, booleans, null, strings cut to {@link LOG_STRING_MAX} characters, and plain
 * objects of numbers and booleans (timings); drops arrays, other objects and undefined. With
 * `allow`, only those keys are kept at all.
 */
export function redact(fields: Record<string, unknown>, allow?: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if ((allow && !allow.has(k)) || v === undefined) continue;
    if (typeof v === 'number' || typeof v === 'boolean' || v === null) out[k] = v;
    else if (typeof v === 'string') out[k] = v.slice(0, LOG_STRING_MAX);
    else if (typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(
        Object.entries(v as Record<string, unknown>).filter(([, x]) => typeof x === 'number' || typeof x === 'boolean'),
      );
    }
  }
  return out;
}

/** Options of {@link jsonLogger}. */
export interface JsonLoggerOptions {
  /** Lowest level written (default info); 'silent' writes nothing. */
  min?: LogLevel | 'silent';
  /** Receives each line, newline included, with its level (to pick stdout or stderr). */
  write: (line: string, level: LogLevel) => void;
  /** Only these field names are written (the runner's allow-list). */
  allow?: ReadonlySet<string>;
  /** Fields on every line (e.g. the runner id), redacted like the rest. */
  base?: Record<string, unknown>;
}

/** Writes `{"ts", "level", "event", ...fields}` JSON lines at `min` and above. */
export function jsonLogger(o: JsonLoggerOptions): Logger {
  const min = RANK[o.min ?? 'info'];
  return {
    log(level, event, fields = {}) {
      if (RANK[level] < min) return;
      o.write(JSON.stringify({ ts: new Date().toISOString(), level, event, ...redact({ ...o.base, ...fields }, o.allow) }) + '\n', level);
    },
  };
}
