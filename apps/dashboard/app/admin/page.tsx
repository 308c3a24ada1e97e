'use client';
/** Administration's start: what each section is for. */
import Link from 'next/link';
import { AdminFrame, ADMIN_SECTIONS } from '@/components/admin/AdminFrame';
import { Shell } from '@/components/Shell';

const WHAT: Record<string, string> = {
  '/admin/users': 'Invite people, change their roles, disable accounts, reset passwords.',
  '/admin/keys': 'Create and revoke API keys for programs.',
  '/admin/webhooks': 'Delivery log of result notifications; send a delivery again.',
  '/admin/audit': 'Who did what, with filters and CSV export.',
  '/admin/sso': 'Sign-in through your hospital’s identity provider, groups to roles.',
};

export default function AdminPage() {
  return (
    <Shell>
      <AdminFrame title="Administration">
        <ul className="stack stack--narrow" style={{ listStyle: 'none', padding: 0 }}>
          {ADMIN_SECTIONS.map((s) => (
            <li key={s.href} className="card">
              <Link href={s.href}>{s.label}</Link>
              <p className="muted small">{WHAT[s.href]}</p>
            </li>
          ))}
        </ul>
      </AdminFrame>
    </Shell>
  );
}
