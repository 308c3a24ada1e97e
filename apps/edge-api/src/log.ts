/**
 * Structured logs, one JSON object per line. Callers pass ids, codes, counts and route
 * patterns only: never paths with values, file names, or DICOM attribute values.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A minimal structured logger. */
export interface Logger {
  log(level: LogLevel, event: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<LogLevel | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * Logs JSON lines through `write` (Node passes process.stdout/stderr writes, which skip
 * console formatting on every request), or the console (the Workers log stream).
 */
export function consoleLogger(min: LogLevel | 'silent' = 'info', write?: { out(line: string): void; err(line: string): void }): Logger {
  return {
    log(level, event, fields = {}) {
      if (RANK[level] < RANK[min]) return;
      const line = JSON.stringify({ t: new Date().toISOString(), level, event, ...fields });
      const toErr = level === 'error' || level === 'warn';
      if (write) (toErr ? write.err : write.out)(line + '\n');
      else if (toErr) console.error(line);
      else console.log(line);
    },
  };
}

/** A logger that keeps lines in memory (tests assert on what was logged). */
export function memoryLogger(): Logger & { lines: { level: LogLevel; event: string; fields: Record<string, unknown> }[] } {
  const lines: { level: LogLevel; event: string; fields: Record<string, unknown> }[] = [];
  return { lines, log: (level, event, fields = {}) => void lines.push({ level, event, fields }) };
}
