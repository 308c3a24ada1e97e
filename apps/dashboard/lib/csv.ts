/**
 * CSV for every chart's numbers: RFC 4180 quoting; text cells that a spreadsheet would run as a
 * formula are prefixed with `'`. Pure (no DOM): the download is in ./download.ts. Cells are written
 * by `@embolus/shared/csv`, the same code as the API's CSV exports.
 */
import { csvCell } from '@embolus/shared/csv';

/** One column of a table: its header and how to read a row's cell (a number is written as is). */
export interface Column<R> {
  readonly key: string;
  readonly header: string;
  readonly value: (row: R) => string | number | null;
  /** Right-aligned, tabular figures in the HTML table. */
  readonly numeric?: boolean;
}

/** A cell as the API writes CSV (`csvCell`); a missing or non-finite number is an empty cell, never "NaN". */
function cell(v: string | number | null): string {
  return typeof v === 'number' && !Number.isFinite(v) ? '' : csvCell(v);
}

/** The rows as CSV text, with a header line of the columns' keys. */
export function toCsv<R>(rows: readonly R[], columns: readonly Column<R>[]): string {
  const lines = [columns.map((c) => cell(c.key)).join(',')];
  for (const r of rows) lines.push(columns.map((c) => cell(c.value(r))).join(','));
  return lines.join('\r\n') + '\r\n';
}
