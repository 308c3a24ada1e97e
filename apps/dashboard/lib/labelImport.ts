/** Ground-truth CSV import as the API's import route gives it (POST /v1/labels/import, issue 18). */
import type { GroundTruthSource } from './quality';

/** Largest file the API takes (checked here before reading the file). */
export const LABEL_IMPORT_MAX_BYTES = 2 * 1024 * 1024;

export interface ImportRowError {
  /** 1-based line in the file (the header is line 1). */
  line: number;
  column?: string;
  code: string;
  message: string;
}

/** The route's report: what was checked, and whether anything was recorded. */
export interface ImportReport {
  dryRun: boolean;
  partial: boolean;
  applied: boolean;
  reference: 'studyId' | 'studyInstanceUid' | null;
  /** Data rows read. */
  rows: number;
  /** Rows without issues (recorded when applied). */
  valid: number;
  /** Rows (or the header) with issues. */
  invalid: number;
  /** Label values in the valid rows. */
  labels: number;
  errors: ImportRowError[];
  /** More errors than listed (the counts are complete). */
  errorsTruncated: boolean;
}

/** The import route with its options: a dry run checks only; `partial` applies the valid rows of a file with errors. */
export function labelImportPath(o: { dryRun: boolean; partial: boolean; source: GroundTruthSource }): string {
  return `/v1/labels/import?dryRun=${o.dryRun}&partial=${o.partial}&source=${encodeURIComponent(o.source)}`;
}
