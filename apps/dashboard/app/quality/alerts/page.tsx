'use client';
/**
 * Drift alerts: the rules per label (create, delete), and what fired (active first, then
 * resolved) with a link to each alert's chart. The API evaluates rules on a schedule; a firing
 * rule sends a webhook event and raises the banner on every page.
 */
import Link from 'next/link';
import { useState } from 'react';
import { ConfirmPanel } from '@/components/common/ConfirmPanel';
import { ErrorNotice, OutcomeNotice, useAction } from '@/components/common/Notice';
import { OffsetPager } from '@/components/common/Pager';
import { QualityFrame } from '@/components/quality/QualityFrame';
import { api } from '@/lib/api';
import {
  ALERT_EVALUATE_PATH,
  ALERT_EVENTS_PATH,
  ALERT_KINDS,
  ALERT_RULES_PATH,
  ruleSummary,
  type AlertEvent,
  type AlertKind,
  type AlertRule,
  type Evaluation,
} from '@/lib/alerts';
import { LABEL_NAMES, LABEL_ORDER } from '@/lib/labels';
import { useWho } from '@/lib/people';
import type { Period } from '@/lib/quality';
import type { StudyLabel } from '@/lib/types';
import { useApi } from '@/lib/useApi';

const DAY = 86_400_000;
const EVENTS_PAGE = 25;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function Alerts() {
  const [tick, setTick] = useState(0);
  const rules = useApi<{ items: AlertRule[] }>(`${ALERT_RULES_PATH}?t=${tick}`);
  const [offset, setOffset] = useState(0);
  const events = useApi<{ items: AlertEvent[] }>(`${ALERT_EVENTS_PATH}?limit=${EVENTS_PAGE}&offset=${offset}&t=${tick}`);
  const who = useWho();
  const [label, setLabel] = useState<StudyLabel>('negative_exam_for_pe');
  const [kind, setKind] = useState<AlertKind>('auroc_lower_ci_below');
  const [value, setValue] = useState(String(ALERT_KINDS.auroc_lower_ci_below.initial));
  const [period, setPeriod] = useState<Period>('month');
  const now = Date.now();
  const [ref, setRef] = useState({ from: isoDay(now - 365 * DAY), to: isoDay(now - 180 * DAY) });
  const { busy, outcome, setOutcome, run } = useAction();
  const [deleting, setDeleting] = useState<AlertRule | null>(null);
  const v = Number(value);
  const valid = value !== '' && v >= 0 && v <= 1 && (kind !== 'cbpe_drop' || ref.from < ref.to);

  const create = () =>
    run(async () => {
      const params: Record<string, unknown> = { [ALERT_KINDS[kind].param]: v, window: period };
      if (kind === 'cbpe_drop') Object.assign(params, { referenceFrom: ref.from, referenceTo: ref.to });
      await api(ALERT_RULES_PATH, { method: 'POST', json: { label, kind, params } });
      setOutcome({ ok: true, text: `Rule added for ${LABEL_NAMES[label]}.` });
      setTick((t) => t + 1);
    }, 'The rule could not be added.');

  const evaluate = () =>
    run(async () => {
      const out = await api<Evaluation>(ALERT_EVALUATE_PATH, { method: 'POST' });
      const fired = out.items.filter((i) => i.fired).length;
      const breached = out.items.filter((i) => i.state === 'breached').length;
      const rules = `${out.items.length} rule${out.items.length === 1 ? '' : 's'}`;
      setOutcome({ ok: true, text: `Evaluated ${rules}: ${breached} breached, ${fired} newly fired.` });
      setTick((t) => t + 1);
    }, 'The rules could not be evaluated.');

  const remove = (r: AlertRule) =>
    run(
      async () => {
        await api(`${ALERT_RULES_PATH}/${encodeURIComponent(r.id)}`, { method: 'DELETE' });
        setOutcome({ ok: true, text: 'Rule deleted.' });
        setTick((t) => t + 1);
      },
      'The rule could not be deleted.',
      () => setDeleting(null),
    );

  // Within a page, active first, then newest first.
  const sorted = [...(events.data?.items ?? [])].sort((a, b) =>
    a.state === b.state ? b.firedAt.localeCompare(a.firedAt) : a.state === 'active' ? -1 : 1,
  );
  return (
    <div className="stack">
      <OutcomeNotice outcome={outcome} />
      <section className="card" aria-labelledby="fired-h">
        <div className="qfig__head">
          <h2 id="fired-h">Fired</h2>
          <button type="button" className="button button--secondary button--small" onClick={() => void evaluate()} disabled={busy}>
            Evaluate rules now
          </button>
        </div>
        <p className="muted small">
          The API evaluates every rule on a schedule; a firing rule sends the webhook event alert.fired and raises the banner.
        </p>
        <ErrorNotice>{events.error}</ErrorNotice>
        {sorted.length === 0 ? (
          <p className="muted">{events.loading ? 'Loading…' : 'No alert has fired.'}</p>
        ) : (
          <table className="data-table" data-table="alert-events">
            <caption className="sr-only">Alerts that fired, active first</caption>
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col">Period</th>
                <th scope="col">State</th>
                <th scope="col">What</th>
                <th scope="col">Fired</th>
                <th scope="col">Chart</th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((e) => (
                <tr key={e.id} data-state={e.state}>
                  <th scope="row">{LABEL_NAMES[e.label as StudyLabel] ?? e.label}</th>
                  <td>{e.period}</td>
                  <td>
                    <span className={`badge ${e.state === 'active' ? 'badge--urgent' : 'badge--neutral'}`}>{e.state}</span>
                  </td>
                  <td>{e.message}</td>
                  <td>{new Date(e.firedAt).toLocaleString('en-GB')}</td>
                  <td>
                    <Link href={`/quality?label=${encodeURIComponent(e.label)}&period=${e.period.includes('W') ? 'week' : 'month'}`}>
                      Open<span className="sr-only"> the chart of {LABEL_NAMES[e.label as StudyLabel] ?? e.label}</span>
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <OffsetPager
          small
          offset={offset}
          pageSize={EVENTS_PAGE}
          shown={sorted.length}
          onOffset={setOffset}
          summary={sorted.length ? `Alerts ${offset + 1}–${offset + sorted.length}` : ''}
        />
      </section>
      <section className="card" aria-labelledby="rules-h">
        <h2 id="rules-h">Rules</h2>
        <ErrorNotice>{rules.error}</ErrorNotice>
        {(rules.data?.items.length ?? 0) === 0 ? (
          <p className="muted">{rules.loading ? 'Loading…' : 'No rules yet.'}</p>
        ) : (
          <table className="data-table" data-table="alert-rules">
            <caption className="sr-only">Alert rules</caption>
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col">Rule</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="sr-only">Delete</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rules.data?.items.map((r) => (
                <tr key={r.id}>
                  <th scope="row">{LABEL_NAMES[r.label] ?? r.label}</th>
                  <td>
                    {ruleSummary(r)}
                    {!r.enabled && <span className="badge badge--neutral"> disabled</span>}
                  </td>
                  <td>
                    {new Date(r.createdAt).toLocaleString('en-GB')} · {who(r.createdBy)}
                  </td>
                  <td>
                    <button type="button" className="button button--ghost button--small" onClick={() => setDeleting(r)} disabled={busy}>
                      Delete<span className="sr-only"> rule for {LABEL_NAMES[r.label] ?? r.label}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {deleting && (
          <ConfirmPanel danger confirmLabel="Delete" busy={busy} onConfirm={() => void remove(deleting)} onCancel={() => setDeleting(null)}>
            {`Delete the rule “${ruleSummary(deleting)}” for ${LABEL_NAMES[deleting.label] ?? deleting.label}? ` +
              'Alerts it fired stay in the list.'}
          </ConfirmPanel>
        )}
      </section>
      <section className="card" aria-labelledby="new-h">
        <h2 id="new-h">New rule</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (valid) void create();
          }}
        >
          <div className="form-grid">
            <div className="field">
              <label htmlFor="rule-label">Label</label>
              <select id="rule-label" value={label} onChange={(e) => setLabel(e.target.value as StudyLabel)}>
                {LABEL_ORDER.map((l) => (
                  <option key={l} value={l}>
                    {LABEL_NAMES[l]}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="rule-kind">Fires when</label>
              <select
                id="rule-kind"
                value={kind}
                onChange={(e) => {
                  const k = e.target.value as AlertKind;
                  setKind(k);
                  setValue(String(ALERT_KINDS[k].initial));
                }}
              >
                {(Object.keys(ALERT_KINDS) as AlertKind[]).map((k) => (
                  <option key={k} value={k}>
                    {ALERT_KINDS[k].name}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="rule-value">Value (0–1)</label>
              <input
                id="rule-value"
                type="number"
                min={0}
                max={1}
                step={0.01}
                value={value}
                onChange={(e) => setValue(e.target.value)}
                aria-invalid={!valid}
              />
            </div>
            <div className="field">
              <label htmlFor="rule-window">Period</label>
              <select id="rule-window" value={period} onChange={(e) => setPeriod(e.target.value as Period)}>
                <option value="month">Month</option>
                <option value="week">Week</option>
              </select>
            </div>
            {kind === 'cbpe_drop' && (
              <>
                <div className="field">
                  <label htmlFor="rule-ref-from">Reference from</label>
                  <input id="rule-ref-from" type="date" value={ref.from} onChange={(e) => setRef({ ...ref, from: e.target.value })} />
                </div>
                <div className="field">
                  <label htmlFor="rule-ref-to">Reference to</label>
                  <input id="rule-ref-to" type="date" value={ref.to} onChange={(e) => setRef({ ...ref, to: e.target.value })} />
                </div>
              </>
            )}
          </div>
          <div className="form-actions">
            <button type="submit" className="button button--primary" disabled={busy || !valid}>
              Add rule
            </button>
          </div>
        </form>
      </section>
    </div>
  );
}

export default function AlertsPage() {
  return (
    <QualityFrame title="Drift alerts">
      <Alerts />
    </QualityFrame>
  );
}
