'use client';
/**
 * Site thresholds: per label a rule (a target sensitivity, Youden, or the largest
 * min(sensitivity, specificity)) chosen on the tenant's labelled studies; a preview of the effect
 * (sensitivity and specificity with CIs beside today's, how many past studies would change
 * decision); applying makes a new versioned set (audited, who and when listed below). New
 * results record the set they used; old ones keep their decisions.
 */
import { useState } from 'react';
import { ConfirmPanel } from '@/components/common/ConfirmPanel';
import { CsvButton, DataTable } from '@/components/common/DataTable';
import { ErrorNotice, OutcomeNotice, useAction } from '@/components/common/Notice';
import { QualityFrame } from '@/components/quality/QualityFrame';
import { ThresholdSetsTable } from '@/components/quality/ThresholdSets';
import { useSession } from '@/components/Shell';
import { api } from '@/lib/api';
import type { Column } from '@/lib/csv';
import { LABEL_NAMES, LABEL_ORDER } from '@/lib/labels';
import { fixed, rateText } from '@/lib/quality';
import {
  ruleText,
  THRESHOLDS_PATH,
  THRESHOLDS_PREVIEW_PATH,
  type Applied,
  type PreviewResponse,
  type SiteRule,
  type ThresholdPreview,
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
  const [confirming, setConfirming] = useState(false);
  const { busy, outcome, setOutcome, run } = useAction();
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

  const runPreview = () =>
    run(async () => {
      const body = await api<PreviewResponse>(THRESHOLDS_PREVIEW_PATH, { method: 'POST', json: { rules } });
      setPreview(body.labels);
    }, 'The preview failed.');

  const apply = () =>
    run(async () => {
      const { set } = await api<Applied>(THRESHOLDS_PATH, {
        method: 'POST',
        json: { rules, ...(note.trim() ? { note: note.trim() } : {}) },
      });
      setOutcome({ ok: true, text: `Threshold set v${set.version} is now in force for new results.` });
      setPreview(null);
      setConfirming(false);
      setNote('');
      setTick((t) => t + 1);
    }, 'The set could not be applied.');

  const reapply = (version: number) => {
    setReapplying(null);
    return run(async () => {
      const { set } = await api<Applied>(THRESHOLDS_PATH, { method: 'POST', json: { copyOf: version, note: `re-applied v${version}` } });
      setOutcome({ ok: true, text: `Version ${version} re-applied as v${set.version}; it is now in force for new results.` });
      setTick((t) => t + 1);
    }, 'The set could not be re-applied.');
  };

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
      <OutcomeNotice outcome={outcome} />
      <section className="card" aria-labelledby="rules-h">
        <h2 id="rules-h">Choose thresholds</h2>
        <p className="muted small">
          {'Rules run on your organisation’s labelled studies. ' + 'Labels left on “keep” keep the threshold in force.'}
        </p>
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
        <ErrorNotice>{invalid.length > 0 && 'A target sensitivity is a number between 0 and 1.'}</ErrorNotice>
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
            <CsvButton file="threshold-preview.csv" rows={rows} columns={columns} />
          </div>
          <p className="muted small">On the labelled studies the rule ran on; changed decisions count every analysed study of the past.</p>
          <DataTable
            rows={rows}
            columns={columns}
            caption="Effect of the chosen thresholds"
            name="threshold-preview"
            rowKey={(r) => r.label}
            rowProps={(r) => ({ 'data-label': r.label })}
            markColumns
          />
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
            <ConfirmPanel confirmLabel="Confirm and apply" busy={busy} onConfirm={() => void apply()} onCancel={() => setConfirming(false)}>
              Apply these thresholds as a new set? New results will use them; results already made keep their decisions.
            </ConfirmPanel>
          )}
        </section>
      )}
      {reapplying !== null && (
        <ConfirmPanel confirmLabel="Confirm" busy={busy} onConfirm={() => void reapply(reapplying)} onCancel={() => setReapplying(null)}>
          Re-apply version {reapplying} as a new set (roll back)? New results will use its thresholds.
        </ConfirmPanel>
      )}
      <ThresholdSetsTable tick={tick} canApply={canApply} onReapply={setReapplying} />
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
