/**
 * The runner's one error class. Every failure a job reports to the API carries a `code` and
 * whether a retry can help: deterministic problems with the study (no CT series, too few slices,
 * undecodable pixels) are not retried, so a bad study never becomes a crash loop.
 */
import { DicomError } from '@embolus/dicom';
import { InferenceError } from '@embolus/inference';
import { PreprocessError } from '@embolus/preprocess';
import { EmbolusError, isEmbolusError } from '@embolus/shared';

/** Every code the runner reports or raises. */
export type RunnerErrorCode =
  | 'USAGE'
  | 'API_UNAVAILABLE'
  | 'API_ERROR'
  | 'UNAUTHORIZED'
  | 'LEASE_LOST'
  | 'SHUTDOWN'
  | 'BAD_PAYLOAD'
  | 'EMPTY_STUDY'
  | 'NO_CT_SERIES'
  | 'TOO_FEW_SLICES'
  | 'STUDY_TOO_LARGE'
  | 'DECODE_FAILED'
  | 'PREPROCESS_FAILED'
  | 'MODEL_UNAVAILABLE'
  | 'INFERENCE_FAILED'
  | 'DATASET_INVALID'
  | 'TRAINING_FAILED'
  | 'EVALUATION_FAILED'
  | 'INTERNAL';

/** A typed runner failure. `retryable` says whether another attempt (here or on another runner) can succeed. */
export class RunnerError extends EmbolusError {
  declare readonly code: RunnerErrorCode;
  readonly retryable: boolean;

  constructor(
    code: RunnerErrorCode,
    message: string,
    options: { retryable?: boolean; cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, options);
    this.retryable = options.retryable ?? false;
  }
}

/**
 * Maps whatever a job threw to the failure reported to the API. Messages of package errors can
 * name files under the job's temporary folder; they are replaced by fixed texts so no path or
 * DICOM value leaves the runner.
 */
export function classifyError(e: unknown): RunnerError {
  if (e instanceof RunnerError) return e;
  if (e instanceof DicomError) {
    if (e.code === 'NO_CT_SERIES')
      return new RunnerError('NO_CT_SERIES', 'the study has no axial CT series the model can read', {
        cause: e,
        details: { dicomCode: e.code },
      });
    if (e.code === 'VOLUME_TOO_LARGE') {
      return new RunnerError('STUDY_TOO_LARGE', "the chosen series exceeds this runner's memory limit as a volume (--max-study-mib)", {
        cause: e,
        details: { dicomCode: e.code, ...e.details },
      });
    }
    return new RunnerError('DECODE_FAILED', `an instance could not be decoded (${e.code})`, { cause: e, details: { dicomCode: e.code } });
  }
  if (e instanceof PreprocessError) {
    return new RunnerError('PREPROCESS_FAILED', `preprocessing failed (${e.code}); the series geometry is not usable`, {
      cause: e,
      details: { preprocessCode: e.code },
    });
  }
  if (e instanceof InferenceError) {
    if (e.code === 'INPUT_INVALID')
      return new RunnerError('PREPROCESS_FAILED', 'the preprocessed study is not a valid model input', { cause: e });
    // Sessions and runs can fail for reasons local to this runner (memory, GPU): another try may work.
    const code = e.code.startsWith('MODEL') ? 'MODEL_UNAVAILABLE' : 'INFERENCE_FAILED';
    return new RunnerError(code, `${code === 'MODEL_UNAVAILABLE' ? 'the model could not be loaded' : 'inference failed'} (${e.code})`, {
      cause: e,
      retryable: true,
    });
  }
  if (isEmbolusError(e) && e.code === 'TRAINER_FAILED') return new RunnerError('TRAINING_FAILED', e.message, { cause: e, retryable: true });
  if (e instanceof RangeError)
    return new RunnerError('INTERNAL', 'out of memory or a size limit while processing', { cause: e, retryable: true });
  // Free-form messages may quote paths or values: only the error's class name leaves the runner.
  return new RunnerError('INTERNAL', `internal error in the runner (${e instanceof Error ? e.name : typeof e})`, {
    cause: e,
    retryable: true,
  });
}
