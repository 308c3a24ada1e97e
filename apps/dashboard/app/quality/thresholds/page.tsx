'use client';
/**
 * Site thresholds: per label a rule (a target sensitivity, Youden, or the largest
 * min(sensitivity, specificity)) chosen on the tenant's labelled studies; a preview of the effect
 * (sensitivity and specificity with CIs beside today's, how many past studies would change
 * decision); applying makes a new versioned set (audited, who and when listed below). New
 * results record the set they used; old ones keep their decisions.
 */
import { useState } from 'react';
import { QualityFrame } from '@/components/quality/QualityFrame';
import { useSession } from '@/components/Shell';
import { api, ApiError } from '@/lib/api';
import { toCsv, type Column } from '@/lib/csv';
import { downloadText } from '@/lib/download';
import { LABEL_NAMES, LABEL_ORDER } from '@/lib/labels';
import { useWho } from '@/lib/people';
import { fixed, rateText } from '@/lib/quality';
import {
  ruleText,
  THRESHOLDS_PATH,
  THRESHOLDS_PREVIEW_PATH,
  type Applied,
  type PreviewResponse,
  type SiteRule,
  type ThresholdPreview,
  type ThresholdSet,
  type ThresholdSets,
} from '@/lib/thresholds';
import type { StudyLabel } from '@/lib/types';
import { useApi } from '@/lib/useApi';

type RuleKind = 'keep' | 'target' | 'youden' | 'maxmin';
interface Choice {
  kind: RuleKind;
  target: string;
}

function toRule(c: Choice): SiteRule | null {
  if (c.kind === 'youden') return { kind: 'youden' };
  if (c.kind === 'maxmin') return { kind: 'max-min-sens-spec' };
  if (c.kind === 'target') return { kind: 'target-sensitivity', sensitivity: Number(c.target) };
  return null;
}

const PAGE = 20;

function Sets({ tick, onReapply, canApply }: { tick: number; onReapply: (version: number) => void; canApply: boolean }) {
  const [offset, setOffset] = useState(0);
  const sets = useApi<ThresholdSets>(`${THRESHOLDS_PATH}?limit=${PAGE}&offset=${offset}&t=${tick}`);
  const who = useWho();
  const items = sets.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="sets-h">
      <h2 id="sets-h">Threshold sets</h2>
      <p className="muted small">Each applied change is a new version; the newest is in force. Results record the version they used.</p>
      {sets.error && (
        <p className="alert alert--error" role="alert">
          {sets.error}
        </p>
      )}
      {items.length === 0 ? (
        <p className="muted">{sets.loading ? 'Loading…' : 'No site set yet: the model’s own thresholds are in force.'}</p>
      ) : (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Scrollable table">
          <table className="data-table" data-table="threshold-sets">
            <caption className="sr-only">Threshold sets, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Applied</th>
                <th scope="col">By</th>
                <th scope="col">Changes</th>
                <th scope="col">Note</th>
                <th scope="col">
                  <span className="sr-only">Re-apply</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {items.map((s: ThresholdSet) => (
                <tr key={s.id} data-version={s.version}>
                  <th scope="row">
                    v{s.version}
                    {sets.data?.active?.id === s.id && (
                      <span className="badge badge--active" style={{ marginLeft: '0.4rem' }}>
                        in force
                      </span>
                    )}
                  </th>
                  <td>{new Date(s.createdAt).toLocaleString('en-GB')}</td>
                  <td>{who(s.createdBy)}</td>
                  <td className="small">
                    {LABEL_ORDER.filter((l) => s.thresholds[l] !== undefined)
                      .map((l) => `${LABEL_NAMES[l]} ${fixed(s.thresholds[l], 3)} (${ruleText(s.rules[l])})`)
                      .join('; ')}
                  </td>
                  <td>
                    {s.note ?? ''}
                    {typeof s.rules.copyOf === 'number' && <span className="muted small"> (re-applied v{s.rules.copyOf})</span>}
                  </td>
                  <td>
                    {canApply && sets.data?.active?.id !== s.id && (
                      <button type="button" className="button button--ghost button--small" onClick={() => onReapply(s.version)}>
                        Re-apply<span className="sr-only"> version {s.version}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="pager">
        <span className="muted small">{items.length ? `Versions ${items[items.length - 1]!.version}–${items[0]!.version}` : ''}</span>
        <div className="pager__buttons">
          <button
            type="button"
            className="button button--secondary button--small"
            disabled={offset === 0}
            onClick={() => setOffset(Math.max(0, offset - PAGE))}
          >
            Newer
          </button>
          <button
            type="button"
            className="button button--secondary button--small"
            disabled={items.length < PAGE}
            onClick={() => setOffset(offset + PAGE)}
          >
            Older
          </button>
        </div>
      </div>
    </section>
  );
}

function Chooser() {
  const session = useSession();
  const canApply = session?.user.role === 'quality' || session?.user.role === 'admin';
  const [tick, setTick] = useState(0);
  const current = useApi<ThresholdSets>(`${THRESHOLDS_PATH}?limit=1&offset=0&t=${tick}`);
  const [choices, setChoices] = useState<Record<StudyLabel, Choice>>(
    () => Object.fromEntries(LABEL_ORDER.map((l) => [l, { kind: 'keep', target: '0.95' }])) as Record<StudyLabel, Choice>,
  );
  const [preview, setPreview] = useState<Partial<Record<StudyLabel, ThresholdPreview>> | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [reapplying, setReapplying] = useState<number | null>(null);

  const rules = Object.fromEntries(LABEL_ORDER.flatMap((l) => (toRule(choices[l]) ? [[l, toRule(choices[l])]] : []))) as Partial<
    Record<StudyLabel, SiteRule>
  >;
  const invalid = LABEL_ORDER.filter(
    (l) => choices[l].kind === 'target' && !(Number(choices[l].target) > 0 && Number(choices[l].target) < 1),
  );
  const count = Object.keys(rules).length;

  function set(l: StudyLabel, c: Partial<Choice>) {
    setChoices((all) => ({ ...all, [l]: { ...all[l], ...c } }));
    setPreview(null);
    setConfirming(false);
  }

  async function runPreview() {
    setBusy(true);
    setMessage(null);
    try {
      const body = await api<PreviewResponse>(THRESHOLDS_PREVIEW_PATH, { method: 'POST', json: { rules } });
      setPreview(body.labels);
    } catch (e) {
      setMessage({ ok: false, text: e instanceof ApiError ? e.message : 'The preview failed.' });
    } finally {
      setBusy(false);
    }
  }

  async function apply() {
    setBusy(true);
    try {
      const { set } = await api<Applied>(THRESHOLDS_PATH, {
        method: 'POST',
        json: { rules, ...(note.trim() ? { note: note.trim() } : {}) },
      });
      setMessage({ ok: true, text: `Threshold set v${set.version} is now in force for new results.` });
      setPreview(null);
      setConfirming(false);
      setNote('');
      setTick((t) => t + 1);
    } catch (e) {
      setMessage({ ok: false, text: e instanceof ApiError ? e.message : 'The set could not be applied.' });
    } finally {
      setBusy(false);
    }
  }

  async function reapply(version: number) {
    setReapplying(null);
    setBusy(true);
    try {
      const { set } = await api<Applied>(THRESHOLDS_PATH, { method: 'POST', json: { copyOf: version, note: `re-applied v${version}` } });
      setMessage({ ok: true, text: `Version ${version} re-applied as v${set.version}; it is now in force for new results.` });
      setTick((t) => t + 1);
    } catch (e) {
      setMessage({ ok: false, text: e instanceof ApiError ? e.message : 'The set could not be re-applied.' });
    } finally {
      setBusy(false);
    }
  }

  type Row = { label: StudyLabel; p: ThresholdPreview };
  const rows: Row[] = preview ? LABEL_ORDER.flatMap((l) => (preview[l] ? [{ label: l, p: preview[l]! }] : [])) : [];
  const columns: Column<Row>[] = [
    { key: 'label', header: 'Label', value: (r) => LABEL_NAMES[r.label] },
    { key: 'rule', header: 'Rule', value: (r) => ruleText(r.p.rule) },
    { key: 'current', header: 'Current threshold', numeric: true, value: (r) => fixed(r.p.current, 4) },
    { key: 'threshold', header: 'New threshold', numeric: true, value: (r) => fixed(r.p.threshold, 4) },
    { key: 'sensitivity', header: 'Sensitivity (95% CI)', value: (r) => rateText(r.p.sensitivity) },
    { key: 'current_sensitivity', header: 'Sensitivity now', value: (r) => rateText(r.p.currentSensitivity) },
    { key: 'specificity', header: 'Specificity (95% CI)', value: (r) => rateText(r.p.specificity) },
    { key: 'current_specificity', header: 'Specificity now', value: (r) => rateText(r.p.currentSpecificity) },
    { key: 'changed', header: 'Past studies changing decision', numeric: true, value: (r) => r.p.changed.studies },
    { key: 'to_positive', header: '→ positive', numeric: true, value: (r) => r.p.changed.toPositive },
    { key: 'to_negative', header: '→ negative', numeric: true, value: (r) => r.p.changed.toNegative },
  ];

  return (
    <div className="stack">
      {message && (
        <p className={`alert ${message.ok ? 'alert--info' : 'alert--error'}`} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
      <section className="card" aria-labelledby="rules-h">
        <h2 id="rules-h">Choose thresholds</h2>
        <p className="muted small">Rules run on your organisation’s labelled studies. Labels left on “keep” keep the threshold in force.</p>
        <table className="data-table" data-table="threshold-rules">
          <caption className="sr-only">A rule per label</caption>
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col" className="num">
                In force
              </th>
              <th scope="col">Rule</th>
              <th scope="col">Target sensitivity</th>
            </tr>
          </thead>
          <tbody>
            {LABEL_ORDER.map((l) => (
              <tr key={l} data-label={l}>
                <th scope="row">{LABEL_NAMES[l]}</th>
                <td className="num mono">{fixed(current.data?.inForce[l], 3)}</td>
                <td>
                  <select
                    aria-label={`Rule: ${LABEL_NAMES[l]}`}
                    value={choices[l].kind}
                    onChange={(e) => set(l, { kind: e.target.value as RuleKind })}
                  >
                    <option value="keep">Keep</option>
                    <option value="target">Target sensitivity</option>
                    <option value="youden">Youden (max sens + spec − 1)</option>
                    <option value="maxmin">Largest min(sens, spec)</option>
                  </select>
                </td>
                <td>
                  {choices[l].kind === 'target' && (
                    <input
                      aria-label={`Target sensitivity: ${LABEL_NAMES[l]}`}
                      type="number"
                      min={0.5}
                      max={0.999}
                      step={0.01}
                      value={choices[l].target}
                      aria-invalid={invalid.includes(l)}
                      onChange={(e) => set(l, { target: e.target.value })}
                      style={{ width: '7rem' }}
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {invalid.length > 0 && (
          <p className="alert alert--error" role="alert">
            A target sensitivity is a number between 0 and 1.
          </p>
        )}
        <div className="form-actions">
          <button
            type="button"
            className="button button--primary"
            onClick={runPreview}
            disabled={busy || count === 0 || invalid.length > 0}
          >
            {busy && !preview ? 'Previewing…' : `Preview ${count} label${count === 1 ? '' : 's'}`}
          </button>
        </div>
      </section>
      {preview && (
        <section className="card" aria-labelledby="prev-h" data-panel="threshold-preview">
          <div className="qfig__head">
            <h2 id="prev-h">Preview</h2>
            <button
              type="button"
              className="button button--secondary button--small"
              onClick={() => downloadText('threshold-preview.csv', toCsv(rows, columns))}
            >
              Download CSV
            </button>
          </div>
          <p className="muted small">On the labelled studies the rule ran on; changed decisions count every analysed study of the past.</p>
          <div className="table-scroll" tabIndex={0} role="region" aria-label="Scrollable table">
            <table className="data-table" data-table="threshold-preview">
              <caption className="sr-only">Effect of the chosen thresholds</caption>
              <thead>
                <tr>
                  {columns.map((c) => (
                    <th key={c.key} scope="col" className={c.numeric ? 'num' : undefined}>
                      {c.header}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.label} data-label={r.label}>
                    {columns.map((c, j) =>
                      j === 0 ? (
                        <th key={c.key} scope="row">
                          {String(c.value(r))}
                        </th>
                      ) : (
                        <td key={c.key} className={c.numeric ? 'num mono' : undefined} data-col={c.key}>
                          {String(c.value(r) ?? '—')}
                        </td>
                      ),
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {canApply && (
            <div className="form-actions">
              <div className="field field--grow">
                <label htmlFor="set-note">Note (why; kept with the set)</label>
                <input id="set-note" value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
              </div>
              {!confirming ? (
                <button
                  type="button"
                  className="button button--primary"
                  onClick={() => setConfirming(true)}
                  disabled={busy}
                  style={{ alignSelf: 'flex-end' }}
                >
                  Apply as a new set
                </button>
              ) : null}
            </div>
          )}
          {confirming && (
            <div className="confirm" role="alertdialog" aria-labelledby="apply-confirm">
              <p id="apply-confirm">
                Apply these thresholds as a new set? New results will use them; results already made keep their decisions.
              </p>
              <div className="form-actions">
                <button type="button" className="button button--primary" onClick={() => void apply()} disabled={busy} autoFocus>
                  Confirm and apply
                </button>
                <button type="button" className="button button--secondary" onClick={() => setConfirming(false)} disabled={busy}>
                  Cancel
                </button>
              </div>
            </div>
          )}
        </section>
      )}
      {reapplying !== null && (
        <div className="confirm" role="alertdialog" aria-labelledby="reapply-confirm">
          <p id="reapply-confirm">Re-apply version {reapplying} as a new set (roll back)? New results will use its thresholds.</p>
          <div className="form-actions">
            <button type="button" className="button button--primary" onClick={() => void reapply(reapplying)} disabled={busy} autoFocus>
              Confirm
            </button>
            <button type="button" className="button button--secondary" onClick={() => setReapplying(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      <Sets tick={tick} canApply={canApply} onReapply={setReapplying} />
    </div>
  );
}

export default function ThresholdsPage() {
  return (
    <QualityFrame title="Site thresholds">
      <Chooser />
    </QualityFrame>
  );
}
