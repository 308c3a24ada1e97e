/**
 * The API's loggers: @embolus/shared's JSON lines (redacted there), written to stdout/stderr on
 * Node, to the console on Workers (their log stream), or kept in memory for tests. Callers pass
 * ids, codes, counts and route patterns only: never paths with values, file names, or DICOM
 * attribute values.
 */
import { jsonLogger, redact, type Logger, type LogLevel } from '@embolus/shared';

export type { Logger, LogLevel };

/**
 * Logs JSON lines through `write` (Node passes process.stdout/stderr writes, which skip
 * console formatting on every request), or the console (the Workers log stream). Warnings and
 * errors go to the error stream.
 */
export function consoleLogger(min: LogLevel | 'silent' = 'info', write?: { out(line: string): void; err(line: string): void }): Logger {
  return jsonLogger({
    min,
    write: (line, level) => {
      const toErr = level === 'error' || level === 'warn';
      if (write) (toErr ? write.err : write.out)(line);
      else if (toErr) console.error(line.trimEnd());
      else console.log(line.trimEnd());
    },
  });
}

/** A logger that keeps lines in memory, redacted as they would be written (tests assert on them). */
export function memoryLogger(): Logger & { lines: { level: LogLevel; event: string; fields: Record<string, unknown> }[] } {
  const lines: { level: LogLevel; event: string; fields: Record<string, unknown> }[] = [];
  return { lines, log: (level, event, fields = {}) => void lines.push({ level, event, fields: redact(fields) }) };
}
