'use client';
/**
 * The page's notices: an error (role alert, read out at once) and an outcome that is either a
 * status (ok) or an error. Each renders nothing while it has no text.
 */
import { useCallback, useState, type ReactNode } from 'react';
import { handleAuthError } from '@/components/Shell';
import { ApiError } from '@/lib/api';

/** An error notice (`role="alert"`); nothing when `children` is empty. */
export function ErrorNotice({ children }: { children: ReactNode }) {
  if (children === null || children === undefined || children === false || children === '') return null;
  return (
    <p className="alert alert--error" role="alert">
      {children}
    </p>
  );
}

/** The outcome of an action: ok or not, and what to say. */
export interface Outcome {
  ok: boolean;
  text: string;
}

/** An outcome as a notice: ok is a status (`alert--info` or `okClass`), else an error alert. */
export function OutcomeNotice({ outcome, okClass = 'alert--info' }: { outcome: Outcome | null; okClass?: string }) {
  if (!outcome) return null;
  return (
    <p className={`alert ${outcome.ok ? okClass : 'alert--error'}`} role={outcome.ok ? 'status' : 'alert'}>
      {outcome.text}
    </p>
  );
}

/** The text to show for a failed API call: the API's message, else `fallback`. */
export function failureText(e: unknown, fallback: string): string {
  return e instanceof ApiError ? e.message : fallback;
}

/**
 * An error message as state, and `fail(e, fallback)` that shows a failed call's message unless
 * the failure was a lost session (then Shell sends the user to sign in).
 */
export function useErrorState() {
  const [error, setError] = useState<string | null>(null);
  const fail = useCallback((e: unknown, fallback: string) => {
    if (!handleAuthError(e)) setError(failureText(e, fallback));
  }, []);
  return { error, setError, fail };
}

/**
 * One action at a time with its outcome: `run(action, fallback)` marks busy, clears the last
 * outcome, and on failure shows the API's message (or `fallback`). The action sets the ok
 * outcome itself with `setOutcome`.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const run = useCallback(async (action: () => Promise<void>, fallback: string, after?: () => void) => {
    setBusy(true);
    setOutcome(null);
    try {
      await action();
    } catch (e) {
      setOutcome({ ok: false, text: failureText(e, fallback) });
    } finally {
      setBusy(false);
      after?.();
    }
  }, []);
  return { busy, outcome, setOutcome, run };
}
