'use client';
import { useEffect, useState, type FormEvent } from 'react';
import { ErrorNotice } from '@/components/common/Notice';
import { SignInCard } from '@/components/common/SignInCard';
import { api, ApiError, setSession } from '@/lib/api';
import type { SessionInfo } from '@/lib/types';

/** Where to go after signing in: a same-site path from `?next=`, else the worklist. */
function nextPath(): string {
  const next = new URLSearchParams(window.location.search).get('next');
  return next?.startsWith('/') && !next.startsWith('//') ? next : '/';
}

/** What a refused single sign-on means, by the code the API's callback sends back. */
const SSO_ERRORS: Record<string, string> = {
  SSO_NO_ROLE: 'Your account at the identity provider is not in a group that may use Embolus. Ask an administrator to add you.',
  SSO_USER_DISABLED: 'Your Embolus account is disabled. Ask an administrator.',
  SSO_STATE_INVALID: 'That sign-in expired or was started in another browser. Please try again.',
  SSO_NO_EMAIL: 'The identity provider did not send a verified email address. Ask an administrator.',
  SSO_ACCOUNT_CONFLICT: 'An account with your email exists elsewhere. Ask an administrator.',
  SSO_NOT_CONFIGURED: 'Single sign-on is not set up for this organisation.',
  SSO_IDP_FAILED: 'The identity provider could not complete the sign-in. Try again, or ask an administrator.',
  RATE_LIMITED: 'Too many sign-in attempts from here. Wait a minute and try again.',
};

export default function SignInPage() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [providers, setProviders] = useState<{ name: string; startUrl: string }[]>([]);

  useEffect(() => {
    const code = new URLSearchParams(window.location.search).get('sso_error');
    if (code) setError(SSO_ERRORS[code] ?? 'Single sign-on failed.');
    api<{ providers: { name: string; startUrl: string }[] }>('/v1/auth/sso')
      .then((r) => setProviders(r.providers))
      .catch(() => undefined);
  }, []);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    try {
      const s = await api<SessionInfo>('/v1/auth/sign-in', {
        method: 'POST',
        json: { email: String(form.get('email') ?? ''), password: String(form.get('password') ?? '') },
      });
      setSession(s);
      window.location.assign(nextPath());
    } catch (err) {
      setError(err instanceof ApiError ? (err.status === 401 ? 'Wrong email or password.' : err.message) : 'Sign-in failed.');
      setBusy(false);
    }
  }

  return (
    <SignInCard title="Sign in">
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
        <ErrorNotice>{error}</ErrorNotice>
        <button type="submit" className="button button--primary button--block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {providers.length > 0 && (
        <>
          <p className="divider">or</p>
          <div className="sso-buttons">
            {providers.map((p) => (
              <a
                key={p.startUrl}
                className="button button--secondary button--block"
                href={`${p.startUrl}?next=${encodeURIComponent(nextPath())}`}
              >
                Sign in with {p.name}
              </a>
            ))}
          </div>
        </>
      )}
    </SignInCard>
  );
}
