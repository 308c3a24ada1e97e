'use client';
/**
 * A table of rows read through `Column`s (the same columns the CSV download writes), in a
 * scrollable region, and the button that downloads it as CSV. The first column heads each row.
 */
import type { ReactNode } from 'react';
import { toCsv, type Column } from '@/lib/csv';
import { downloadText } from '@/lib/download';

export interface DataTableProps<R> {
  rows: readonly R[];
  columns: readonly Column<R>[];
  /** Names the table for screen readers (not shown). */
  caption: string;
  /** `data-table` attribute (tests and styles find the table by it). */
  name: string;
  /** Names the scrollable region. */
  regionLabel?: string;
  /** Shown in one row when there are no rows; without it an empty table has no body rows. */
  empty?: string;
  /** A row's key (default: its index). */
  rowKey?: (row: R, index: number) => string | number;
  /** Extra attributes of a row (`data-*`, class). */
  rowProps?: (row: R) => Record<string, string | undefined>;
  /** Class of a column's cells (default: `num mono` for numeric columns, none for the heading cell). */
  cellClass?: (column: Column<R>, heading: boolean) => string | undefined;
  /** Adds `data-col` with the column key to each data cell. */
  markColumns?: boolean;
}

const defaultCellClass = <R,>(c: Column<R>, heading: boolean) => (heading ? undefined : c.numeric ? 'num mono' : undefined);

export function DataTable<R>({
  rows,
  columns,
  caption,
  name,
  regionLabel = 'Scrollable table',
  empty,
  rowKey = (_r, i) => i,
  rowProps,
  cellClass = defaultCellClass,
  markColumns,
}: DataTableProps<R>) {
  return (
    <div className="table-scroll" tabIndex={0} role="region" aria-label={regionLabel}>
      <table className="data-table" data-table={name}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={c.numeric ? 'num' : undefined}>
                {c.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {empty !== undefined && rows.length === 0 && (
            <tr>
              <td colSpan={columns.length} className="muted">
                {empty}
              </td>
            </tr>
          )}
          {rows.map((r, i) => (
            <tr key={rowKey(r, i)} {...rowProps?.(r)}>
              {columns.map((c, j) => {
                const v = c.value(r);
                const text = v === null ? '—' : String(v);
                return j === 0 ? (
                  <th key={c.key} scope="row" className={cellClass(c, true)}>
                    {text}
                  </th>
                ) : (
                  <td key={c.key} className={cellClass(c, false)} data-col={markColumns ? c.key : undefined}>
                    {text}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A button that downloads rows as a CSV file. */
export function CsvButton<R>({
  file,
  rows,
  columns,
  children = 'Download CSV',
  ariaLabel,
}: {
  /** File name, with `.csv`. */
  file: string;
  rows: readonly R[];
  columns: readonly Column<R>[];
  children?: ReactNode;
  ariaLabel?: string;
}) {
  return (
    <button
      type="button"
      className="button button--secondary button--small"
      onClick={() => downloadText(file, toCsv(rows, columns))}
      aria-label={ariaLabel}
    >
      {children}
    </button>
  );
}
