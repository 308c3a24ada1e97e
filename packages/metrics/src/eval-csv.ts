/**
 * Reading the CSV files of `embolus eval`. Two layouts are accepted:
 * - long: `id,label,probability` (predictions) or `id,label,value` (labels, value 0/1), columns in
 *   any order, with an optional `study` column giving the StudyInstanceUID of image rows;
 * - Kaggle submission: header `id,label`, the second column holding the value, and ids
 *   `{StudyInstanceUID}_{study label}` or a bare SOPInstanceUID (pe_present_on_image).
 * Every failure is a MetricsError MALFORMED_CSV naming the file and the 1-based line.
 */
import { IMAGE_LABEL, STUDY_LABELS, isLabel, splitCsvLine, type Label } from '@embolus/shared';
import { MetricsError } from './errors';

/** Which eval file a text is: predictions hold probabilities, labels hold 0/1 truths. */
export type EvalCsvKind = 'predictions' | 'labels';

/** One data row, normalised to (id, label): `id` is the study UID for study labels, the SOP UID for images. */
export interface EvalRow {
  readonly id: string;
  readonly label: Label;
  /** Probability (predictions) or 0/1 truth (labels). */
  readonly value: number;
  /** 1-based line number in the file. */
  readonly line: number;
  /** StudyInstanceUID of an image row, when the file gives it. */
  readonly study?: string;
}

/** A parsed eval CSV. */
export interface EvalCsv {
  readonly file: string;
  readonly kind: EvalCsvKind;
  readonly format: 'long' | 'kaggle';
  readonly rows: readonly EvalRow[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Study labels longest first, so `acute_and_chronic_pe` wins over `chronic_pe` as a suffix. */
const SUFFIXES = [...STUDY_LABELS].sort((a, b) => b.length - a.length);

function fail(file: string, line: number, message: string): never {
  throw new MetricsError('MALFORMED_CSV', `${file}:${line}: ${message}`, { details: { file, line } });
}

/** The trimmed fields of a line (`splitCsvLine`), or MALFORMED_CSV naming the file and line. */
function splitLine(text: string, file: string, line: number): string[] {
  const r = splitCsvLine(text);
  if ('problem' in r) fail(file, line, r.problem);
  return r.fields;
}

/** Splits a Kaggle id into (id, label). */
function kaggleId(raw: string, file: string, line: number): { id: string; label: Label } {
  for (const label of SUFFIXES) {
    if (raw.endsWith(`_${label}`) && raw.length > label.length + 1) return { id: raw.slice(0, -label.length - 1), label };
  }
  if (raw.includes('_')) fail(file, line, `unknown label in id '${raw}'`);
  return { id: raw, label: IMAGE_LABEL };
}

function parseValue(raw: string, kind: EvalCsvKind, file: string, line: number): number {
  const name = kind === 'predictions' ? 'probability' : 'value';
  if (!NUMBER.test(raw)) fail(file, line, `${name} '${raw}' is not a number`);
  const v = Number(raw);
  if (kind === 'predictions' && !(v >= 0 && v <= 1)) fail(file, line, `probability ${raw} is outside [0, 1]`);
  if (kind === 'labels' && v !== 0 && v !== 1) fail(file, line, `value ${raw} is not 0 or 1`);
  return v;
}

/**
 * Parses an eval CSV. Blank lines are skipped; a UTF-8 BOM and CRLF line ends are accepted.
 *
 * @param file - name used in error messages.
 * @throws MetricsError MALFORMED_CSV (details `file`, `line`) on a missing column, a non-numeric
 *   or out-of-range value, an unknown label, an empty id or a duplicated (id, label).
 */
export function parseEvalCsv(text: string, file: string, kind: EvalCsvKind): EvalCsv {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerAt = lines.findIndex((l) => l.trim() !== '');
  if (headerAt === -1) fail(file, 1, 'empty file (expected a header line)');
  const header = splitLine(lines[headerAt] as string, file, headerAt + 1).map((h) => h.toLowerCase());
  const valueName = kind === 'predictions' ? 'probability' : 'value';
  const col = (name: string) => header.indexOf(name);
  const format = col(valueName) === -1 && header.length === 2 && col('id') === 0 && col('label') === 1 ? 'kaggle' : 'long';
  for (const required of format === 'kaggle' ? ['id', 'label'] : ['id', 'label', valueName]) {
    if (col(required) === -1) fail(file, headerAt + 1, `missing column '${required}' (header: ${header.join(',')})`);
  }
  const iId = col('id');
  const iLabel = col('label');
  const iValue = format === 'kaggle' ? iLabel : col(valueName);
  const iStudy = col('study');
  const needed = Math.max(iId, iLabel, iValue) + 1;
  const seen = new Set<string>();
  const rows: EvalRow[] = [];
  for (let k = headerAt + 1; k < lines.length; k++) {
    const text = lines[k] as string;
    if (text.trim() === '') continue;
    const line = k + 1;
    const f = splitLine(text, file, line);
    if (f.length < needed) fail(file, line, `missing column '${header[f.length] ?? valueName}' (${f.length} of ${header.length} fields)`);
    const rawId = f[iId] as string;
    if (rawId === '') fail(file, line, 'empty id');
    let id = rawId;
    let label: Label;
    if (format === 'kaggle') {
      ({ id, label } = kaggleId(rawId, file, line));
    } else {
      const name = f[iLabel] as string;
      if (!isLabel(name)) fail(file, line, `unknown label '${name}'`);
      label = name;
    }
    const value = parseValue(f[iValue] as string, kind, file, line);
    const key = `${label}\u0000${id}`;
    if (seen.has(key)) fail(file, line, `duplicate row for id '${id}' and label ${label}`);
    seen.add(key);
    const study = iStudy === -1 ? '' : (f[iStudy] ?? '');
    rows.push(study === '' ? { id, label, value, line } : { id, label, value, line, study });
  }
  return { file, kind, format, rows };
}
