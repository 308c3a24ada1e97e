'use client';
import { useState, type FormEvent } from 'react';
import { api, ApiError, setSession } from '@/lib/api';
import type { SessionInfo } from '@/lib/types';

/** Where to go after signing in: a same-site path from `?next=`, else the worklist. */
function nextPath(): string {
  const next = new URLSearchParams(window.location.search).get('next');
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export default function SignInPage() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const s = await api<SessionInfo>('/v1/auth/sign-in', { method: 'POST', json: { email: String(form.get('email') ?? ''), password: String(form.get('password') ?? '') } });
      setSession(s);
      window.location.assign(nextPath());
    } catch (err) {
      setError(err instanceof ApiError ? (err.status === 401 ? 'Wrong email or password.' : err.message) : 'Sign-in failed.');
      setBusy(false);
    }
  }

  return (
    <main id="main" className="signin" tabIndex={-1}>
      <div className="signin__card">
        <div className="brand brand--large" aria-hidden="true">
          <span className="brand__mark" />
          Embolus
        </div>
        <h1 className="signin__title">Sign in</h1>
        <p className="muted">Pulmonary embolism detection on CT pulmonary angiograms.</p>
        <form onSubmit={submit} noValidate={false} className="form">
          <div className="field">
            <label htmlFor="email">Email</label>
            <input id="email" name="email" type="email" autoComplete="username" required autoFocus />
          </div>
          <div className="field">
            <label htmlFor="password">Password</label>
            <input id="password" name="password" type="password" autoComplete="current-password" required />
          </div>
          {error && (
            <p className="alert alert--error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" className="button button--primary button--block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </div>
    </main>
  );
}
