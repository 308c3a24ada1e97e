/**
 * Base class of every Embolus error. Each package subclasses it once and sets its own codes;
 * only the HTTP edge and the CLI map codes to status codes or exit codes.
 */
export class EmbolusError extends Error {
  /** A stable, machine-readable code such as `NOT_DICOM`. */
  readonly code: string;
  /** Structured context (tag, file, shape…). Never holds patient-identifying values. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ?? {};
  }
}

/** True for any error raised by an Embolus package. */
export function isEmbolusError(e: unknown): e is EmbolusError {
  return e instanceof EmbolusError;
}
