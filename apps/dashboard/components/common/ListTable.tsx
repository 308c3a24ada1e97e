'use client';
/**
 * A list as a table (administration pages, the worklist): scrolls sideways on narrow screens, a caption for screen
 * readers, column headers, the rows, and a row saying so when the loaded list is empty.
 */
import type { ReactNode } from 'react';

export interface ListTableProps {
  /** Names the table for screen readers (not shown). */
  caption: string;
  /** Column headers, in order. */
  columns: readonly string[];
  /** The rows (`<tr>`s). */
  children: ReactNode;
  /** Shown in one row when the list has loaded and is empty. */
  empty: string;
  /** Whether the loaded list is empty (false while loading). */
  isEmpty: boolean;
  /** Class of the table (default `admin-table`; the worklist has its own). */
  className?: string;
}

export function ListTable({ caption, columns, children, empty, isEmpty, className = 'admin-table' }: ListTableProps) {
  return (
    <div className="table-wrap">
      <table className={className}>
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {children}
          {isEmpty && (
            <tr>
              <td colSpan={columns.length} className="empty">
                {empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
