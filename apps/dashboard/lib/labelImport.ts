/** Ground-truth CSV import as the API's import route gives it (issue 18). */
import type { GroundTruthSource } from './quality';

export const LABEL_IMPORT_PATH = '/v1/labels/import';
/** Largest file the page reads (checked before reading it). */
export const LABEL_IMPORT_MAX_BYTES = 5 * 1024 * 1024;

export interface ImportRowError {
  /** 1-based line in the file (the header is line 1). */
  line: number;
  column?: string | null;
  code?: string;
  message: string;
}

/** The route's answer: a validation report, and what was applied (nothing on a dry run). */
export interface ImportReport {
  rows: number;
  valid: number;
  invalid: number;
  errors: ImportRowError[];
  /** Labels written (0 on a dry run, or when the file had errors and valid rows were not asked for). */
  applied: number;
  dryRun: boolean;
}

export interface ImportRequest {
  csv: string;
  source: GroundTruthSource;
  /** Validate only. */
  dryRun: boolean;
  /** Write the valid rows of a file that has errors (otherwise such a file writes nothing). */
  applyValidRows: boolean;
}
