'use client';
/**
 * An in-page confirmation (role alertdialog): the question, a confirm button that takes the
 * focus, and Cancel. Used where a `window.confirm` would be too easy to click through.
 */
import { useId, type ReactNode } from 'react';

export interface ConfirmPanelProps {
  /** The question; it names the dialog. */
  children: ReactNode;
  /** Text of the confirm button (its accessible name). */
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  /** While the action runs both buttons are disabled. */
  busy?: boolean;
  /** A destructive action gets the danger style. */
  danger?: boolean;
}

export function ConfirmPanel({ children, confirmLabel, onConfirm, onCancel, busy, danger }: ConfirmPanelProps) {
  const id = useId();
  return (
    <div className="confirm" role="alertdialog" aria-labelledby={id}>
      <p id={id}>{children}</p>
      <div className="form-actions">
        <button
          type="button"
          className={`button ${danger ? 'button--danger' : 'button--primary'}`}
          onClick={onConfirm}
          disabled={busy}
          autoFocus
        >
          {confirmLabel}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
      </div>
    </div>
  );
}
