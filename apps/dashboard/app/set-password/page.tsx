'use client';
/**
 * Choosing a password with a one-time link from an administrator (invitation or reset). The
 * token travels in the URL fragment, so it never reaches a server log; it is removed from the
 * address bar as soon as the page has read it.
 */
import Link from 'next/link';
import { useEffect, useState, type FormEvent } from 'react';
import { ErrorNotice } from '@/components/common/Notice';
import { SignInCard } from '@/components/common/SignInCard';
import { api, ApiError } from '@/lib/api';

export default function SetPasswordPage() {
  const [token, setToken] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const t = new URLSearchParams(window.location.hash.slice(1)).get('token');
    setToken(t);
    if (t) window.history.replaceState(null, '', window.location.pathname);
  }, []);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const password = String(form.get('password') ?? '');
    if (password !== String(form.get('confirm') ?? '')) {
      setError('The two passwords differ.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ email: string }>('/v1/auth/set-password', { method: 'POST', json: { token, password } });
      setDone(r.email);
    } catch (err) {
      setError(
        err instanceof ApiError
          ? err.code === 'VALIDATION_FAILED'
            ? 'A password needs 10 to 256 characters.'
            : err.message
          : 'The password could not be set.',
      );
    } finally {
      setBusy(false);
    }
  }

  return (
    <SignInCard title="Choose a password">
      {done ? (
        <>
          <p className="alert alert--ok" role="status">
            Your password is set for {done}.
          </p>
          <Link className="button button--primary button--block" href="/sign-in">
            Sign in
          </Link>
        </>
      ) : token === null ? (
        <p className="alert alert--error" role="alert">
          This page needs the link an administrator gave you (it ends in #token=…).
        </p>
      ) : (
        <form onSubmit={submit} className="form">
          <div className="field">
            <label htmlFor="password">New password</label>
            <input
              id="password"
              name="password"
              type="password"
              autoComplete="new-password"
              minLength={10}
              maxLength={256}
              required
              autoFocus
            />
          </div>
          <div className="field">
            <label htmlFor="confirm">Repeat it</label>
            <input id="confirm" name="confirm" type="password" autoComplete="new-password" minLength={10} maxLength={256} required />
          </div>
          <p className="muted small">At least 10 characters. The link works once.</p>
          <ErrorNotice>{error}</ErrorNotice>
          <button type="submit" className="button button--primary button--block" disabled={busy}>
            {busy ? 'Saving…' : 'Set password'}
          </button>
        </form>
      )}
    </SignInCard>
  );
}
