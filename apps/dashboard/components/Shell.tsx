'use client';
/**
 * The signed-in frame: header with navigation, the user and sign-out. It loads the session once
 * (GET /v1/auth/session) and sends anyone without one to the sign-in page.
 */
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { AlertBanner } from '@/components/quality/AlertBanner';
import { api, ApiError, setSession, signInUrl } from '@/lib/api';
import { canSeeQuality, QUALITY_ROLES } from '@/lib/quality';
import type { SessionInfo } from '@/lib/types';

const SessionContext = createContext<SessionInfo | null>(null);

/** The current session; only inside <Shell>. */
export function useSession(): SessionInfo | null {
  return useContext(SessionContext);
}

/** Sends the browser to sign-in when an API call says the session ended. */
export function handleAuthError(e: unknown): boolean {
  if (e instanceof ApiError && e.status === 401) {
    window.location.replace(signInUrl());
    return true;
  }
  return false;
}

/** `roles`: shown only to these roles (the pages and the API check again). */
const NAV: { href: string; label: string; roles?: readonly string[] }[] = [
  { href: '/', label: 'Worklist' },
  { href: '/upload', label: 'Upload' },
  { href: '/quality', label: 'Quality', roles: QUALITY_ROLES },
  { href: '/models', label: 'Models', roles: QUALITY_ROLES },
  { href: '/admin', label: 'Administration', roles: ['admin'] },
];

export function Shell({ children }: { children: ReactNode }) {
  const [session, setState] = useState<SessionInfo | null>(null);
  const [signingOut, setSigningOut] = useState(false);
  const pathname = usePathname();

  useEffect(() => {
    let live = true;
    api<SessionInfo>('/v1/auth/session')
      .then((s) => {
        if (!live) return;
        setSession(s);
        setState(s);
      })
      .catch((e) => {
        if (!handleAuthError(e) && live) window.location.replace(signInUrl());
      });
    return () => {
      live = false;
    };
  }, []);

  async function signOut() {
    setSigningOut(true);
    try {
      await api('/v1/auth/sign-out', { method: 'POST' });
    } catch {
      // Already ended: the sign-in page is where we go either way.
    }
    setSession(null);
    window.location.replace('/sign-in');
  }

  return (
    <SessionContext.Provider value={session}>
      <header className="app-header">
        <div className="app-header__inner">
          <Link href="/" className="brand" aria-label="Embolus worklist">
            <span className="brand__mark" aria-hidden="true" />
            Embolus
          </Link>
          <nav aria-label="Main">
            <ul className="nav">
              {NAV.filter((n) => !n.roles || (session && n.roles.includes(session.user.role))).map((n) => (
                <li key={n.href}>
                  <Link
                    href={n.href}
                    className="nav__link"
                    aria-current={pathname === n.href || (n.href !== '/' && pathname.startsWith(`${n.href}/`)) ? 'page' : undefined}
                  >
                    {n.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div className="user">
            {session && (
              <span className="user__who">
                <span className="user__email">{session.user.email}</span>
                <span className="user__role">
                  {session.user.role} · {session.user.tenantName}
                </span>
              </span>
            )}
            <button type="button" className="button button--ghost" onClick={signOut} disabled={signingOut}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      {session && canSeeQuality(session.user.role) && <AlertBanner />}
      <main id="main" className="page" tabIndex={-1}>
        {session ? (
          children
        ) : (
          <p className="muted" role="status">
            Loading…
          </p>
        )}
      </main>
    </SessionContext.Provider>
  );
}
