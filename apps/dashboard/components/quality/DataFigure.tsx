'use client';
/**
 * A chart with its numbers: the picture, a table of the same numbers (open or folded, always in
 * the page for screen readers), and a CSV download of that table. Every quality chart goes
 * through this, so no number is only in pixels.
 */
import { useId, type ReactNode } from 'react';
import { toCsv, type Column } from '@/lib/csv';
import { downloadText } from '@/lib/download';

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
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => downloadText(`${csvName}.csv`, toCsv(rows, columns))}
            aria-label={`Download CSV: ${title}`}
          >
            Download CSV
          </button>
        </div>
      </div>
      <div className="qfig__chart">{children}</div>
      <details className="qfig__table" open={tableOpen}>
        <summary>Numbers as a table</summary>
        <div className="table-scroll" tabIndex={0} role="region" aria-label={`${title}: numbers`}>
          <table className="data-table" data-table={csvName}>
            <caption className="sr-only">{title}</caption>
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
              {rows.length === 0 && (
                <tr>
                  <td colSpan={columns.length} className="muted">
                    No data.
                  </td>
                </tr>
              )}
              {rows.map((r, i) => (
                <tr key={i}>
                  {columns.map((c, j) => {
                    const v = c.value(r);
                    const text = v === null ? '—' : String(v);
                    return j === 0 ? (
                      <th key={c.key} scope="row">
                        {text}
                      </th>
                    ) : (
                      <td key={c.key} className={c.numeric ? 'num mono' : undefined}>
                        {text}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}
