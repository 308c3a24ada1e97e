'use client';
/**
 * A chart with its numbers: the picture, a table of the same numbers (open or folded, always in
 * the page for screen readers), and a CSV download of that table. Every quality chart goes
 * through this, so no number is only in pixels.
 */
import { useId, type ReactNode } from 'react';
import { CsvButton, DataTable } from '@/components/common/DataTable';
import type { Column } from '@/lib/csv';

export interface DataFigureProps<R> {
  /** Heading of the card; also names the table and the download. */
  title: string;
  /** One sentence on how to read the chart. */
  description?: ReactNode;
  /** The chart (aria-hidden SVG is fine: the table carries the numbers). */
  children: ReactNode;
  rows: readonly R[];
  columns: readonly Column<R>[];
  /** File name of the CSV, without `.csv`. */
  csvName: string;
  /** Open the table by default. */
  tableOpen?: boolean;
  /** Extra controls at the top right (selectors). */
  actions?: ReactNode;
  wide?: boolean;
}

export function DataFigure<R>({ title, description, children, rows, columns, csvName, tableOpen, actions, wide }: DataFigureProps<R>) {
  const id = useId();
  return (
    <section className={`card qfig${wide ? ' card--wide' : ''}`} aria-labelledby={`${id}-h`} data-figure={csvName}>
      <div className="qfig__head">
        <div>
          <h2 id={`${id}-h`}>{title}</h2>
          {description && <p className="muted small qfig__desc">{description}</p>}
        </div>
        <div className="qfig__actions">
          {actions}
          <CsvButton file={`${csvName}.csv`} rows={rows} columns={columns} ariaLabel={`Download CSV: ${title}`} />
        </div>
      </div>
      <div className="qfig__chart">{children}</div>
      <details className="qfig__table" open={tableOpen}>
        <summary>Numbers as a table</summary>
        <DataTable rows={rows} columns={columns} caption={title} name={csvName} regionLabel={`${title}: numbers`} empty="No data." />
      </details>
    </section>
  );
}
