'use client';
/**
 * The audit log (admin): filters by action, actor, study and time range, paged on the server
 * (newest first, by cursor), and exported as CSV with the same filters.
 */
import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { AdminFrame, when } from '@/components/admin/AdminFrame';
import { ListTable } from '@/components/common/ListTable';
import { ErrorNotice, useErrorState } from '@/components/common/Notice';
import { Pager } from '@/components/common/Pager';
import { Shell } from '@/components/Shell';
import { api } from '@/lib/api';

interface Record_ {
  id: number;
  keyId: string | null;
  role: string | null;
  action: string;
  studyId: string | null;
  detail: unknown;
  at: string;
}
interface Filters {
  action: string;
  actor: string;
  studyId: string;
  from: string;
  to: string;
}
const EMPTY: Filters = { action: '', actor: '', studyId: '', from: '', to: '' };
const PAGE = 50;

/** The API query of the filters (datetime-local values are the browser's local time). */
function query(f: Filters): URLSearchParams {
  const q = new URLSearchParams();
  if (f.action.trim()) q.set('action', f.action.trim());
  if (f.actor.trim()) q.set('actor', f.actor.trim());
  if (f.studyId.trim()) q.set('studyId', f.studyId.trim());
  if (f.from) q.set('from', new Date(f.from).toISOString());
  if (f.to) q.set('to', new Date(f.to).toISOString());
  return q;
}

function Audit() {
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  // Cursors of the pages before this one, so "Newer" can go back.
  const [cursors, setCursors] = useState<(number | undefined)[]>([]);
  const [before, setBefore] = useState<number | undefined>(undefined);
  const [page, setPage] = useState<{ items: Record_[]; nextBefore: number | null } | null>(null);
  const [emails, setEmails] = useState<Map<string, string>>(new Map());
  const { error, setError, fail } = useErrorState();

  useEffect(() => {
    api<{ items: { id: string; email: string }[] }>('/v1/users')
      .then((r) => setEmails(new Map(r.items.map((u) => [`user:${u.id}`, u.email]))))
      .catch(() => undefined);
  }, []);

  useEffect(() => {
    const q = query(filters);
    q.set('limit', String(PAGE));
    if (before !== undefined) q.set('before', String(before));
    setError(null);
    api<{ items: Record_[]; nextBefore: number | null }>(`/v1/audit?${q}`)
      .then(setPage)
      .catch((e) => fail(e, 'The audit log could not be loaded.'));
  }, [filters, before, setError, fail]);

  const csvHref = useMemo(() => `/v1/audit/export.csv?${query(filters)}`, [filters]);
  const set = (k: keyof Filters, v: string) => setDraft((d) => ({ ...d, [k]: v }));
  function apply(e?: FormEvent) {
    e?.preventDefault();
    setCursors([]);
    setBefore(undefined);
    setFilters(draft);
  }

  return (
    <AdminFrame title="Audit log" intro="Who did what, newest first. Records hold ids and counts, never patient data.">
      <form className="filters" role="search" aria-label="Filter the audit log" onSubmit={apply}>
        <div className="field">
          <label htmlFor="a-action">Action</label>
          <input id="a-action" value={draft.action} onChange={(e) => set('action', e.target.value)} placeholder="e.g. user.invite" />
        </div>
        <div className="field">
          <label htmlFor="a-actor">Actor</label>
          <select id="a-actor" value={draft.actor} onChange={(e) => set('actor', e.target.value)}>
            <option value="">Anyone</option>
            {[...emails].map(([k, email]) => (
              <option key={k} value={k}>
                {email}
              </option>
            ))}
            <option value="sso">Single sign-on</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="a-study">Study</label>
          <input id="a-study" value={draft.studyId} onChange={(e) => set('studyId', e.target.value)} placeholder="Study ID" />
        </div>
        <div className="field">
          <label htmlFor="a-from">From</label>
          <input id="a-from" type="datetime-local" value={draft.from} onChange={(e) => set('from', e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="a-to">To</label>
          <input id="a-to" type="datetime-local" value={draft.to} onChange={(e) => set('to', e.target.value)} />
        </div>
        <div className="filters__actions">
          <button type="submit" className="button button--primary">
            Apply
          </button>
          <a className="button button--secondary" href={csvHref} download>
            Export CSV
          </a>
        </div>
      </form>
      <ErrorNotice>{error}</ErrorNotice>
      <ListTable
        caption="Audit records, newest first"
        columns={['When', 'Actor', 'Action', 'Study', 'Detail']}
        empty="No records match."
        isEmpty={page?.items.length === 0}
      >
        {(page?.items ?? []).map((r) => (
          <tr key={r.id}>
            <td className="small">{when(r.at)}</td>
            <td>
              {(r.keyId && emails.get(r.keyId)) ?? r.keyId ?? '—'}
              {r.role && <div className="sub">{r.role}</div>}
            </td>
            <td className="mono">{r.action}</td>
            <td className="mono small">{r.studyId ?? ''}</td>
            <td className="detail">{r.detail ? JSON.stringify(r.detail) : ''}</td>
          </tr>
        ))}
      </ListTable>
      <Pager
        label="Audit pages"
        summary={page && page.items.length > 0 ? `${page.items.length} records` : ''}
        newerDisabled={cursors.length === 0}
        olderDisabled={!page?.nextBefore}
        onNewer={() => {
          setBefore(cursors[cursors.length - 1]);
          setCursors(cursors.slice(0, -1));
        }}
        onOlder={() => {
          setCursors([...cursors, before]);
          setBefore(page?.nextBefore ?? undefined);
        }}
      />
    </AdminFrame>
  );
}

export default function AuditPage() {
  return (
    <Shell>
      <Audit />
    </Shell>
  );
}
