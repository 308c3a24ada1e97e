'use client';
/**
 * The model registry: versions with their evaluation reports; activate, run in shadow, stop the
 * shadow, roll back (each after a confirmation, admin only: the API refuses other roles); compare
 * two versions with the paired DeLong test; who changed what, from the audit log.
 */
import { useState } from 'react';
import { ConfirmPanel } from '@/components/common/ConfirmPanel';
import { ErrorNotice } from '@/components/common/Notice';
import { ComparisonFigure } from '@/components/quality/ComparisonFigure';
import { EvaluationReport } from '@/components/quality/EvaluationReport';
import { QualityFrame } from '@/components/quality/QualityFrame';
import { useSession } from '@/components/Shell';
import { api, ApiError } from '@/lib/api';
import { when } from '@/lib/format';
import { useWho } from '@/lib/people';
import type { ModelComparison, ModelInfo } from '@/lib/quality';
import { useApi } from '@/lib/useApi';

type Action = { kind: 'activate' | 'rollback' | 'shadow' | 'unshadow'; version: string };

const ACTION_TEXT: Record<Action['kind'], (v: string) => string> = {
  activate: (v) => `Make ${v} the active model? Its results become the decisions of new studies.`,
  rollback: (v) => `Roll back to ${v}? It becomes the active model again; the current one is kept as registered.`,
  shadow: (v) => `Run ${v} in shadow? It analyses new studies beside the active model; its results are never shown as the decision.`,
  unshadow: (v) => `Stop running ${v} in shadow?`,
};

interface AuditItem {
  id: number;
  keyId: string | null;
  role: string | null;
  action: string;
  detail: unknown;
  at: string;
}

function History({ tick }: { tick: number }) {
  const activations = useApi<{ items: AuditItem[] }>(`/v1/audit?action=model.activate&limit=50&t=${tick}`);
  const shadows = useApi<{ items: AuditItem[] }>(`/v1/audit?action=model.shadow&limit=50&t=${tick}`);
  const who = useWho();
  const items = [...(activations.data?.items ?? []), ...(shadows.data?.items ?? [])].sort((a, b) => b.id - a.id);
  const describe = (i: AuditItem) => {
    const d = (i.detail ?? {}) as { version?: string; enabled?: boolean };
    if (i.action === 'model.activate') return `activated ${d.version ?? '?'}`;
    return d.enabled === false ? `stopped shadow of ${d.version ?? '?'}` : `put ${d.version ?? '?'} in shadow`;
  };
  return (
    <section className="card" aria-labelledby="hist-h">
      <h2 id="hist-h">History</h2>
      {activations.status === 403 ? (
        <p className="muted">The change history comes from the audit log, which administrators can read.</p>
      ) : items.length === 0 ? (
        <p className="muted">{activations.loading ? 'Loading…' : 'No changes recorded yet.'}</p>
      ) : (
        <table className="data-table">
          <caption className="sr-only">Changes to the model registry, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {items.map((i) => (
              <tr key={i.id}>
                <td>{new Date(i.at).toLocaleString('en-GB')}</td>
                <td>
                  {who(i.keyId)} {i.role ? <span className="muted small">({i.role})</span> : null}
                </td>
                <td>{describe(i)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** A choice of model version, by label. */
function VersionSelect(props: { id: string; label: string; models: ModelInfo[]; value: string; onChange: (v: string) => void }) {
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.target.value)}>
        {props.models.map((m) => (
          <option key={m.version} value={m.version}>
            {m.version} ({m.status})
          </option>
        ))}
      </select>
    </div>
  );
}

function Compare({ models }: { models: ModelInfo[] }) {
  const active = models.find((m) => m.status === 'active');
  const other = models.find((m) => m.version !== active?.version);
  const [a, setA] = useState(active?.version ?? models[0]?.version ?? '');
  const [b, setB] = useState(other?.version ?? models[1]?.version ?? '');
  const [result, setResult] = useState<ModelComparison | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function run() {
    setBusy(true);
    setError(null);
    try {
      setResult(await api<ModelComparison>(`/v1/models/compare?a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`));
    } catch (e) {
      setResult(null);
      setError(e instanceof ApiError ? e.message : 'The comparison failed.');
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <section className="card" aria-labelledby="cmp-h">
        <h2 id="cmp-h">Compare two versions</h2>
        <p className="muted small">Paired DeLong test per label on the studies both versions analysed, against ground truth.</p>
        <div className="form-grid">
          <VersionSelect id="cmp-a" label="Version A" models={models} value={a} onChange={setA} />
          <VersionSelect id="cmp-b" label="Version B" models={models} value={b} onChange={setB} />
          <div>
            <button type="button" className="button button--primary" onClick={run} disabled={busy || !a || !b || a === b}>
              {busy ? 'Comparing…' : 'Compare'}
            </button>
          </div>
        </div>
        {a === b && models.length > 1 && <p className="muted small">Choose two different versions.</p>}
        <ErrorNotice>{error}</ErrorNotice>
        {result && result.studies === 0 && <p role="status">No study was analysed by both versions yet.</p>}
      </section>
      {result && result.studies > 0 && <ComparisonFigure comparison={result} title={`${result.b} against ${result.a}`} />}
    </>
  );
}

function Registry() {
  const session = useSession();
  const isAdmin = session?.user.role === 'admin';
  const [tick, setTick] = useState(0);
  const list = useApi<{ items: ModelInfo[] }>(`/v1/models?t=${tick}`);
  const [pending, setPending] = useState<Action | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const models = list.data?.items ?? [];

  async function confirm(action: Action) {
    setBusy(true);
    try {
      const v = encodeURIComponent(action.version);
      if (action.kind === 'activate' || action.kind === 'rollback') await api(`/v1/models/${v}/activate`, { method: 'POST' });
      else await api(`/v1/models/${v}/shadow`, { method: 'POST', json: { enabled: action.kind === 'shadow' } });
      setMessage({
        ok: true,
        text:
          action.kind === 'unshadow'
            ? `${action.version} no longer runs in shadow.`
            : action.kind === 'shadow'
              ? `${action.version} now runs in shadow.`
              : `${action.version} is now the active model.`,
      });
      setTick((t) => t + 1);
    } catch (e) {
      setMessage({ ok: false, text: e instanceof ApiError ? e.message : 'The change failed.' });
    } finally {
      setBusy(false);
      setPending(null);
    }
  }

  return (
    <div className="stack">
      {!isAdmin && (
        <p className="alert alert--info" role="note">
          Only administrators can activate, shadow or roll back a version; you can read reports and compare.
        </p>
      )}
      {message && (
        <p className={`alert ${message.ok ? 'alert--info' : 'alert--error'}`} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
      <ErrorNotice>{list.error}</ErrorNotice>
      <section className="card" aria-labelledby="ver-h">
        <h2 id="ver-h">Versions</h2>
        {models.length === 0 ? (
          <p className="muted">{list.loading ? 'Loading…' : 'No model versions yet.'}</p>
        ) : (
          <div className="table-x" tabIndex={0} role="region" aria-label="Model versions">
            <table className="data-table" data-table="models">
              <caption className="sr-only">Model versions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Status</th>
                  <th scope="col">Registered</th>
                  <th scope="col">Last activated</th>
                  <th scope="col">Evaluation</th>
                  <th scope="col">Change</th>
                </tr>
              </thead>
              <tbody>
                {models.map((m) => {
                  const wasActive = m.activatedAt !== null && m.status !== 'active';
                  const actions: Action[] =
                    m.status === 'active'
                      ? []
                      : [
                          { kind: wasActive ? 'rollback' : 'activate', version: m.version },
                          { kind: m.status === 'shadow' ? 'unshadow' : 'shadow', version: m.version },
                        ];
                  const names = {
                    activate: 'Activate',
                    rollback: 'Roll back to this',
                    shadow: 'Run in shadow',
                    unshadow: 'Stop shadow',
                  } as const;
                  return [
                    <tr key={m.version} data-version={m.version}>
                      <th scope="row" className="mono">
                        {m.version}
                      </th>
                      <td>
                        <span className={`badge badge--${m.status}`}>{m.status}</span>
                      </td>
                      <td>{when(m.createdAt)}</td>
                      <td>{when(m.activatedAt)}</td>
                      <td>
                        <button
                          type="button"
                          className="button button--ghost button--small"
                          aria-expanded={open === m.version}
                          aria-controls={`report-${m.id}`}
                          onClick={() => setOpen(open === m.version ? null : m.version)}
                        >
                          {open === m.version ? 'Hide report' : 'Show report'}
                          <span className="sr-only"> of {m.version}</span>
                        </button>
                      </td>
                      <td>
                        <div className="form-actions" style={{ marginTop: 0 }}>
                          {actions.map((a) => (
                            <button
                              key={a.kind}
                              type="button"
                              className="button button--secondary button--small"
                              disabled={!isAdmin || busy}
                              onClick={() => setPending(a)}
                            >
                              {names[a.kind]}
                              <span className="sr-only"> {m.version}</span>
                            </button>
                          ))}
                          {m.status === 'active' && <span className="muted small">makes the decisions</span>}
                        </div>
                      </td>
                    </tr>,
                    open === m.version && (
                      <tr key={`${m.version}-report`} id={`report-${m.id}`}>
                        <td colSpan={6}>
                          <EvaluationReport card={m.card} version={m.version} />
                          <p className="muted small mono">SHA-256 {m.sha256}</p>
                        </td>
                      </tr>
                    ),
                  ];
                })}
              </tbody>
            </table>
          </div>
        )}
        {pending && (
          <ConfirmPanel confirmLabel="Confirm" busy={busy} onConfirm={() => void confirm(pending)} onCancel={() => setPending(null)}>
            {ACTION_TEXT[pending.kind](pending.version)}
          </ConfirmPanel>
        )}
      </section>
      {models.length >= 2 && <Compare models={models} />}
      <History tick={tick} />
    </div>
  );
}

export default function ModelsPage() {
  return (
    <QualityFrame title="Models">
      <Registry />
    </QualityFrame>
  );
}
