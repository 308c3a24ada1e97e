'use client';
/**
 * The worklist: the tenant's studies in the API's urgency order (central PE with RV/LV ≥ 1
 * first, then by PE probability), filtered and paged on the server, refreshed by polling.
 */
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ListTable } from '@/components/common/ListTable';
import { ErrorNotice } from '@/components/common/Notice';
import { Pager } from '@/components/common/Pager';
import { handleAuthError, Shell } from '@/components/Shell';
import { api, ApiError } from '@/lib/api';
import { percent, shortId, stageText, STATUS_NAMES, when } from '@/lib/format';
import type { StudyStatus, WorklistItem, WorklistPage } from '@/lib/types';

const PAGE_SIZE = 25;
const POLL_MS = 5000;

interface Filters {
  /** `non_diagnostic`: done, with a failed quality gate (its own state on the worklist). */
  status: '' | StudyStatus | 'non_diagnostic';
  flag: '' | 'urgent' | 'positive' | 'negative' | 'non_diagnostic';
  from: string;
  to: string;
  q: string;
}

const EMPTY: Filters = { status: '', flag: '', from: '', to: '', q: '' };

function query(f: Filters, offset: number): string {
  const p = new URLSearchParams({ limit: String(PAGE_SIZE), offset: String(offset) });
  if (f.status === 'non_diagnostic') p.set('status', 'complete'), p.set('decision', 'non_diagnostic');
  else if (f.status) p.set('status', f.status);
  if (f.flag === 'urgent') p.set('urgent', 'true');
  if (f.flag === 'positive' || f.flag === 'negative' || f.flag === 'non_diagnostic') p.set('decision', f.flag);
  if (f.from) p.set('from', f.from);
  // `to` is exclusive in the API; the date input means "up to and including that day".
  if (f.to) p.set('to', new Date(Date.parse(f.to) + 86_400_000).toISOString().slice(0, 10));
  if (f.q.trim()) p.set('q', f.q.trim());
  return p.toString();
}

function Flag({ on, label }: { on: boolean | null; label: string }) {
  if (on === null) return <span className="muted">—</span>;
  return on ? <span className="flag flag--on">{label}</span> : <span className="flag flag--off">No</span>;
}

function ProbabilityCell({ p }: { p: number | null }) {
  if (p === null) return <span className="muted">—</span>;
  const level = p >= 0.5 ? 'high' : p >= 0.2 ? 'mid' : 'low';
  return (
    <span className="prob">
      <span className={`prob__bar prob__bar--${level}`} aria-hidden="true">
        <span style={{ width: `${Math.round(p * 100)}%` }} />
      </span>
      <span className="prob__value">{percent(p)}</span>
    </span>
  );
}

function Row({ s }: { s: WorklistItem }) {
  return (
    <tr className={s.urgent ? 'row--urgent' : undefined}>
      <td>
        {s.urgent ? (
          <span className="badge badge--urgent" title="Central PE with RV/LV ratio ≥ 1">
            Urgent
          </span>
        ) : s.decision === 'positive' ? (
          <span className="badge badge--positive">PE</span>
        ) : s.decision === 'negative' ? (
          <span className="badge badge--negative">No PE</span>
        ) : s.decision === 'non_diagnostic' ? (
          <span className="badge badge--nondiag" title="A study-quality gate failed: no decision is reported">
            Non-diagnostic
          </span>
        ) : s.decision === 'indeterminate' ? (
          <span className="badge badge--neutral">Indeterminate</span>
        ) : (
          <span className="muted">—</span>
        )}
      </td>
      <td>
        <Link href={`/study?id=${encodeURIComponent(s.id)}`} className="study-link">
          <span className="mono">{shortId(s.id)}</span>
          <span className="sr-only"> study, open results</span>
        </Link>
        <div className="sub mono" title={s.studyInstanceUid ?? undefined}>
          {s.studyInstanceUid ? `…${s.studyInstanceUid.slice(-18)}` : 'no UID yet'}
        </div>
      </td>
      <td>
        {s.decision === 'non_diagnostic' ? (
          <span className="status status--nondiag">Non-diagnostic</span>
        ) : (
          <span className={`status status--${s.status}`}>{STATUS_NAMES[s.status]}</span>
        )}
        <div className="sub">
          {s.status === 'processing' && stageText(s.stage)
            ? stageText(s.stage)
            : s.instanceCount === 1
              ? '1 image'
              : `${s.instanceCount} images`}
        </div>
      </td>
      <td>
        {s.decision === 'non_diagnostic' ? <span className="muted small">not reported</span> : <ProbabilityCell p={s.peProbability} />}
      </td>
      <td>
        <Flag on={s.decision === 'non_diagnostic' ? null : s.centralPe} label="Central" />
      </td>
      <td>
        <Flag on={s.decision === 'non_diagnostic' ? null : s.rvLvGte1} label="RV/LV ≥ 1" />
      </td>
      <td className="mono small">{s.modelVersion ?? <span className="muted">—</span>}</td>
      <td>
        <time dateTime={s.createdAt}>{when(s.createdAt)}</time>
        {s.completedAt && <div className="sub">done {when(s.completedAt)}</div>}
      </td>
    </tr>
  );
}

function Worklist() {
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<WorklistPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [updated, setUpdated] = useState<Date | null>(null);
  const inFlight = useRef<AbortController | null>(null);

  const load = useCallback(
    async (background = false) => {
      inFlight.current?.abort();
      const ctl = new AbortController();
      inFlight.current = ctl;
      try {
        const p = await api<WorklistPage>(`/v1/studies?${query(filters, offset)}`, { signal: ctl.signal, background });
        setPage(p);
        setError(null);
        setUpdated(new Date());
      } catch (e) {
        if ((e as Error).name === 'AbortError' || handleAuthError(e)) return;
        setError(e instanceof ApiError ? e.message : 'The worklist could not be loaded.');
      }
    },
    [filters, offset],
  );

  useEffect(() => {
    void load();
    // Polling keeps statuses and results current without a reload; paused in background tabs.
    const t = setInterval(() => {
      if (!document.hidden) void load(true);
    }, POLL_MS);
    return () => {
      clearInterval(t);
      inFlight.current?.abort();
    };
  }, [load]);

  const set = <K extends keyof Filters>(k: K, v: Filters[K]) => setDraft((d) => ({ ...d, [k]: v }));
  const apply = (f: Filters) => {
    setFilters(f);
    setOffset(0);
  };

  const items = page?.items ?? [];
  return (
    <>
      <div className="page__head">
        <div>
          <h1 className="page__title">Worklist</h1>
          <p className="muted small">
            Most urgent first: central PE with RV/LV ratio ≥ 1, then non-diagnostic studies (they need a new scan or a reader), then by PE
            probability.
          </p>
        </div>
        <p className="muted small" aria-live="off">
          {updated ? `Updated ${updated.toLocaleTimeString()}` : 'Loading…'}
        </p>
      </div>

      <form
        className="filters"
        role="search"
        aria-label="Filter the worklist"
        onSubmit={(e) => {
          e.preventDefault();
          apply(draft);
        }}
      >
        <div className="field field--grow">
          <label htmlFor="f-q">Search</label>
          <input id="f-q" type="search" placeholder="Study ID or UID prefix" value={draft.q} onChange={(e) => set('q', e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="f-status">Status</label>
          <select id="f-status" value={draft.status} onChange={(e) => apply({ ...draft, status: e.target.value as Filters['status'] })}>
            <option value="">Any status</option>
            {(Object.keys(STATUS_NAMES) as StudyStatus[]).map((s) => (
              <option key={s} value={s}>
                {STATUS_NAMES[s]}
              </option>
            ))}
            <option value="non_diagnostic">Non-diagnostic</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-flag">Flag</label>
          <select id="f-flag" value={draft.flag} onChange={(e) => apply({ ...draft, flag: e.target.value as Filters['flag'] })}>
            <option value="">Any result</option>
            <option value="urgent">Urgent: central PE + RV/LV ≥ 1</option>
            <option value="positive">PE positive</option>
            <option value="negative">PE negative</option>
            <option value="non_diagnostic">Non-diagnostic</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-from">From</label>
          <input id="f-from" type="date" value={draft.from} onChange={(e) => set('from', e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="f-to">To</label>
          <input id="f-to" type="date" value={draft.to} onChange={(e) => set('to', e.target.value)} />
        </div>
        <div className="filters__actions">
          <button type="submit" className="button button--primary">
            Apply
          </button>
          <button
            type="button"
            className="button button--ghost"
            onClick={() => {
              setDraft(EMPTY);
              apply(EMPTY);
            }}
          >
            Clear
          </button>
        </div>
      </form>

      <ErrorNotice>{error}</ErrorNotice>

      <ListTable
        className="worklist"
        caption="Studies, most urgent first"
        columns={['Result', 'Study', 'Status', 'PE probability', 'Central PE', 'RV/LV ≥ 1', 'Model', 'Received']}
        empty="No studies match. Upload one, or clear the filters."
        isEmpty={Boolean(page) && items.length === 0}
      >
        {items.map((s) => (
          <Row key={s.id} s={s} />
        ))}
      </ListTable>

      <Pager
        label="Worklist pages"
        summary={items.length > 0 ? `Studies ${offset + 1}–${offset + items.length}` : ''}
        newerText="Previous page"
        olderText="Next page"
        newerDisabled={offset === 0}
        olderDisabled={!page?.nextOffset}
        onNewer={() => setOffset(Math.max(0, offset - PAGE_SIZE))}
        onOlder={() => page?.nextOffset && setOffset(page.nextOffset)}
      />
    </>
  );
}

export default function WorklistRoute() {
  return (
    <Shell>
      <Worklist />
    </Shell>
  );
}
