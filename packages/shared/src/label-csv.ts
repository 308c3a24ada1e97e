/**
 * Ground-truth CSV import (issue 18). One row per study, one column per label:
 *
 *     studyInstanceUid,negative_exam_for_pe,central_pe,...
 *     1.2.840.1,0,1
 *
 * The reference column is `studyId` (Embolus id) or `studyInstanceUid`; an optional `source`
 * column (radiologist, consensus, pathology, follow-up) overrides the import's default. Label
 * cells are `0`, `1` or empty (not recorded). Every row is checked and every problem reported
 * with its line and column; values are never echoed back (they may identify a study).
 */
import { splitCsvLine } from './csv';
import { STUDY_LABELS, type StudyLabel } from './labels';

/** Reference standards a label may come from. */
export const GROUND_TRUTH_SOURCES = ['radiologist', 'consensus', 'pathology', 'follow-up'] as const;
export type GroundTruthSource = (typeof GROUND_TRUTH_SOURCES)[number];

/** What was wrong with a row or the header. */
export interface LabelCsvIssue {
  /** 1-based line in the file (1: the header). */
  readonly line: number;
  readonly column?: string;
  readonly code:
    | 'BAD_HEADER'
    | 'UNKNOWN_COLUMN'
    | 'MISSING_REFERENCE'
    | 'INVALID_VALUE'
    | 'INVALID_SOURCE'
    | 'NO_LABELS'
    | 'WRONG_FIELD_COUNT'
    | 'DUPLICATE_STUDY'
    | 'UNKNOWN_STUDY'
    | 'AMBIGUOUS_STUDY'
    | 'TOO_MANY_ROWS';
  readonly message: string;
}

/** A row that passed the checks that need no database. */
export interface LabelCsvRow {
  readonly line: number;
  /** The reference, as given (an id or a StudyInstanceUID, per `reference`). */
  readonly ref: string;
  readonly labels: Partial<Record<StudyLabel, 0 | 1>>;
  readonly source?: GroundTruthSource;
}

/** A parsed file: valid rows, and the issues of the others (or of the header, then no rows). */
export interface LabelCsv {
  readonly reference: 'studyId' | 'studyInstanceUid' | null;
  readonly rows: readonly LabelCsvRow[];
  readonly issues: readonly LabelCsvIssue[];
  /** Data lines read (blank lines not counted). */
  readonly dataLines: number;
}

const LABEL_SET = new Set<string>(STUDY_LABELS);

/** Parses a ground-truth CSV; at most `maxRows` data rows are read (more is an issue). */
export function parseLabelCsv(text: string, maxRows = 20_000): LabelCsv {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const issues: LabelCsvIssue[] = [];
  const head = splitCsvLine(lines[0] ?? '');
  const header = 'fields' in head ? head.fields : null;
  const none = (issue: LabelCsvIssue): LabelCsv => ({ reference: null, rows: [], issues: [issue], dataLines: 0 });
  if (!header || header.length < 2)
    return none({
      line: 1,
      code: 'BAD_HEADER',
      message: 'the header needs a studyId or studyInstanceUid column and at least one label column',
    });
  const lower = header.map((h) => h.toLowerCase());
  const refIdx = lower.findIndex((h) => h === 'studyid' || h === 'studyinstanceuid');
  if (refIdx < 0 || lower.filter((h) => h === 'studyid' || h === 'studyinstanceuid').length > 1) {
    return none({ line: 1, code: 'BAD_HEADER', message: 'the header needs exactly one of studyId and studyInstanceUid' });
  }
  const reference = lower[refIdx] === 'studyid' ? 'studyId' : 'studyInstanceUid';
  const sourceIdx = lower.indexOf('source');
  const labelCols: [number, StudyLabel][] = [];
  for (let i = 0; i < header.length; i++) {
    if (i === refIdx || i === sourceIdx) continue;
    const name = header[i] as string;
    if (LABEL_SET.has(name) && !labelCols.some(([, l]) => l === name)) labelCols.push([i, name as StudyLabel]);
    else
      issues.push({
        line: 1,
        column: name.slice(0, 64),
        code: 'UNKNOWN_COLUMN',
        message: `column ${i + 1} is not a study label (or is repeated)`,
      });
  }
  if (issues.length > 0 || labelCols.length === 0) {
    return {
      reference,
      rows: [],
      issues: issues.length ? issues : [{ line: 1, code: 'BAD_HEADER', message: 'no label columns' }],
      dataLines: 0,
    };
  }
  const rows: LabelCsvRow[] = [];
  const seen = new Map<string, number>();
  let dataLines = 0;
  for (let n = 1; n < lines.length; n++) {
    const raw = lines[n] as string;
    if (raw.trim() === '') continue;
    const line = n + 1;
    if (++dataLines > maxRows) {
      issues.push({ line, code: 'TOO_MANY_ROWS', message: `more than ${maxRows} rows; split the file` });
      break;
    }
    const split = splitCsvLine(raw);
    if ('problem' in split) {
      issues.push({ line, code: 'WRONG_FIELD_COUNT', message: `unreadable line: ${split.problem}` });
      continue;
    }
    const cells = split.fields;
    if (cells.length !== header.length) {
      issues.push({ line, code: 'WRONG_FIELD_COUNT', message: `expected ${header.length} fields` });
      continue;
    }
    const ref = cells[refIdx] as string;
    const rowIssues: LabelCsvIssue[] = [];
    if (ref === '') rowIssues.push({ line, column: header[refIdx] as string, code: 'MISSING_REFERENCE', message: `no ${reference}` });
    const labels: Partial<Record<StudyLabel, 0 | 1>> = {};
    for (const [i, label] of labelCols) {
      const v = cells[i] as string;
      if (v === '') continue;
      if (v === '0' || v === '1') labels[label] = v === '1' ? 1 : 0;
      else rowIssues.push({ line, column: label, code: 'INVALID_VALUE', message: `${label} must be 0, 1 or empty` });
    }
    let source: GroundTruthSource | undefined;
    if (sourceIdx >= 0 && cells[sourceIdx] !== '') {
      const s = cells[sourceIdx] as string;
      if ((GROUND_TRUTH_SOURCES as readonly string[]).includes(s)) source = s as GroundTruthSource;
      else
        rowIssues.push({
          line,
          column: 'source',
          code: 'INVALID_SOURCE',
          message: `source must be one of ${GROUND_TRUTH_SOURCES.join(', ')}`,
        });
    }
    if (rowIssues.length === 0 && Object.keys(labels).length === 0)
      rowIssues.push({ line, code: 'NO_LABELS', message: 'the row gives no label' });
    if (ref !== '' && seen.has(ref))
      rowIssues.push({
        line,
        column: header[refIdx] as string,
        code: 'DUPLICATE_STUDY',
        message: `the same study as line ${seen.get(ref)}`,
      });
    if (ref !== '' && !seen.has(ref)) seen.set(ref, line);
    if (rowIssues.length) issues.push(...rowIssues);
    else rows.push({ line, ref, labels, ...(source ? { source } : {}) });
  }
  return { reference, rows, issues, dataLines };
}
