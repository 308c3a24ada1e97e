'use client';
/**
 * The frame of every administration page: a clear "not permitted" state for anyone without the
 * admin role (the API answers 403 to them as well), else the section navigation and the page.
 */
import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import { useSession } from '@/components/Shell';

export const ADMIN_SECTIONS = [
  { href: '/admin/users', label: 'Users' },
  { href: '/admin/keys', label: 'API keys' },
  { href: '/admin/webhooks', label: 'Webhooks' },
  { href: '/admin/audit', label: 'Audit log' },
  { href: '/admin/sso', label: 'Single sign-on' },
];

/** Renders `children` for admins only. */
export function AdminFrame({ title, intro, children }: { title: string; intro?: ReactNode; children: ReactNode }) {
  const session = useSession();
  const pathname = usePathname();
  if (session && session.user.role !== 'admin') {
    return (
      <section className="card not-permitted" aria-labelledby="np-title">
        <h1 id="np-title" className="page__title">
          Not permitted
        </h1>
        <p>
          Administration needs the <strong>admin</strong> role. You are signed in as <strong>{session.user.role}</strong>.
        </p>
        <p className="muted small">Ask an administrator of {session.user.tenantName || 'your organisation'} if you need access.</p>
        <Link href="/" className="button button--secondary">
          Back to the worklist
        </Link>
      </section>
    );
  }
  return (
    <>
      <nav aria-label="Administration" className="subnav">
        {ADMIN_SECTIONS.map((s) => (
          <Link key={s.href} href={s.href} className="subnav__link" aria-current={pathname === s.href ? 'page' : undefined}>
            {s.label}
          </Link>
        ))}
      </nav>
      <div className="page__head">
        <div>
          <h1 className="page__title">{title}</h1>
          {intro && <p className="muted small">{intro}</p>}
        </div>
      </div>
      {children}
    </>
  );
}

/**
 * A secret shown once (a key, a set-password link): the value, a copy button and a warning
 * that it cannot be shown again.
 */
export function ShownOnce({ label, value, onDone }: { label: string; value: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      // Clipboard refused (permissions): the value stays selectable.
      setCopied(false);
    }
  }
  return (
    <div className="alert alert--warn shown-once" role="status">
      <p>
        <strong>{label}</strong> — copy it now. <strong>It is shown only once</strong> and cannot be retrieved later.
      </p>
      <div className="shown-once__row">
        <input readOnly value={value} aria-label={label} className="mono shown-once__value" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" className="button button--primary" onClick={copy}>
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="button button--ghost" onClick={onDone}>
          Done
        </button>
      </div>
    </div>
  );
}

/** A date-time for tables, in the browser's locale. */
export function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '—';
}
