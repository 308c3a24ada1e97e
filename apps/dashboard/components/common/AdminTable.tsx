'use client';
/**
 * The table of an administration page: scrolls sideways on narrow screens, a caption for screen
 * readers, column headers, the rows, and a row saying so when the loaded list is empty.
 */
import type { ReactNode } from 'react';

export interface AdminTableProps {
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
}

export function AdminTable({ caption, columns, children, empty, isEmpty }: AdminTableProps) {
  return (
    <div className="table-wrap">
      <table className="admin-table">
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
