'use client';
/** Newer / Older paging of a list, newest first, with a short summary of what is shown. */
import type { ReactNode } from 'react';

export interface PagerProps {
  /** What is shown (e.g. "Alerts 1–25"); empty for nothing. */
  summary: ReactNode;
  /** Names the pager as a navigation landmark; without it the pager is a plain group of buttons. */
  label?: string;
  /** Small buttons (inside cards). */
  small?: boolean;
  newerDisabled: boolean;
  olderDisabled: boolean;
  onNewer: () => void;
  onOlder: () => void;
  /** Button texts (their accessible names); default "Newer" and "Older". */
  newerText?: string;
  olderText?: string;
}

export function Pager(props: PagerProps) {
  const { summary, label, small, newerDisabled, olderDisabled, onNewer, onOlder, newerText = 'Newer', olderText = 'Older' } = props;
  const button = `button button--secondary${small ? ' button--small' : ''}`;
  const body = (
    <>
      <span className="muted small">{summary}</span>
      <div className="pager__buttons">
        <button type="button" className={button} disabled={newerDisabled} onClick={onNewer}>
          {newerText}
        </button>
        <button type="button" className={button} disabled={olderDisabled} onClick={onOlder}>
          {olderText}
        </button>
      </div>
    </>
  );
  return label ? (
    <nav className="pager" aria-label={label}>
      {body}
    </nav>
  ) : (
    <div className="pager">{body}</div>
  );
}

/**
 * Paging by offset: Newer goes back a page, Older forward while the last page was full.
 * `shown` is how many items the current page holds.
 */
export function OffsetPager({
  offset,
  pageSize,
  shown,
  onOffset,
  summary,
  label,
  small,
}: {
  offset: number;
  pageSize: number;
  shown: number;
  onOffset: (offset: number) => void;
  summary: ReactNode;
  label?: string;
  small?: boolean;
}) {
  return (
    <Pager
      summary={summary}
      label={label}
      small={small}
      newerDisabled={offset === 0}
      olderDisabled={shown < pageSize}
      onNewer={() => onOffset(Math.max(0, offset - pageSize))}
      onOlder={() => onOffset(offset + pageSize)}
    />
  );
}
