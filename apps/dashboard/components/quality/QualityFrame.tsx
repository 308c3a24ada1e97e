'use client';
/**
 * The frame of every quality page: the role gate (a clinician gets a clear "not permitted", and
 * the API refuses too), the quality sub-navigation, and the label and period selectors kept in
 * the URL so that a link (the alert banner's) opens the same chart.
 */
import Link from 'next/link';
import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { Suspense, type ReactNode } from 'react';
import { Shell, useSession } from '@/components/Shell';
import { LABEL_NAMES, LABEL_ORDER } from '@/lib/labels';
import { canSeeQuality, type Period } from '@/lib/quality';
import type { StudyLabel } from '@/lib/types';

const SUBNAV = [
  { href: '/quality', label: 'Over time' },
  { href: '/quality/label', label: 'At threshold' },
  { href: '/quality/drift', label: 'Drift' },
  { href: '/quality/thresholds', label: 'Thresholds' },
  { href: '/quality/alerts', label: 'Alerts' },
  { href: '/quality/import', label: 'Import labels' },
  { href: '/models', label: 'Models' },
];

/** "Not permitted": what a role without access sees instead of a quality page. */
export function NotPermitted({ what }: { what: string }) {
  return (
    <section className="card placeholder not-permitted" aria-labelledby="np-h">
      <h1 id="np-h" className="page__title">
        Not permitted
      </h1>
      <p>{what} are for the quality team and administrators. Your role cannot open them; ask an administrator if you need access.</p>
      <p>
        <Link href="/">Back to the worklist</Link>
      </p>
    </section>
  );
}

function Gate({ title, children }: { title: string; children: ReactNode }) {
  const session = useSession();
  const pathname = usePathname();
  if (!canSeeQuality(session?.user.role)) return <NotPermitted what="Quality and model pages" />;
  return (
    <>
      <nav aria-label="Quality" className="subnav">
        <ul>
          {SUBNAV.map((n) => (
            <li key={n.href}>
              <Link
                href={n.href}
                className="subnav__link"
                aria-current={pathname === n.href || pathname === `${n.href}/` ? 'page' : undefined}
              >
                {n.label}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <h1 className="page__title">{title}</h1>
      {children}
    </>
  );
}

/** A quality page: Shell, role gate, sub-navigation, then the page. */
export function QualityFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Shell>
      <Gate title={title}>
        <Suspense fallback={<p role="status">Loading…</p>}>{children}</Suspense>
      </Gate>
    </Shell>
  );
}

/** The label and period chosen on the page, from the URL (`?label=…&period=week|month`). */
export function useSelection(): { label: StudyLabel; period: Period; set: (next: { label?: StudyLabel; period?: Period }) => void } {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const raw = params.get('label');
  const label = (LABEL_ORDER as string[]).includes(raw ?? '') ? (raw as StudyLabel) : 'negative_exam_for_pe';
  const period: Period = params.get('period') === 'week' ? 'week' : 'month';
  return {
    label,
    period,
    set(next) {
      const s = new URLSearchParams(params.toString());
      if (next.label) s.set('label', next.label);
      if (next.period) s.set('period', next.period);
      router.replace(`${pathname}?${s.toString()}`, { scroll: false });
    },
  };
}

/** The label selector (and the period selector unless `period` is false). */
export function Selectors({ period = true }: { period?: boolean }) {
  const sel = useSelection();
  return (
    <div className="filters qsel">
      <div className="field">
        <label htmlFor="q-label">Label</label>
        <select id="q-label" value={sel.label} onChange={(e) => sel.set({ label: e.target.value as StudyLabel })}>
          {LABEL_ORDER.map((l) => (
            <option key={l} value={l}>
              {LABEL_NAMES[l]}
            </option>
          ))}
        </select>
      </div>
      {period && (
        <div className="field">
          <label htmlFor="q-period">Period</label>
          <select id="q-period" value={sel.period} onChange={(e) => sel.set({ period: e.target.value as Period })}>
            <option value="month">Month</option>
            <option value="week">Week</option>
          </select>
        </div>
      )}
    </div>
  );
}
