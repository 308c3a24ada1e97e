'use client';
/**
 * Ground truth on a study's page (quality and admin roles read it; the quality role enters and
 * edits it): the nine labels with their provenance (value, source, who, when), and a form that
 * sends only what changed (POST /v1/studies/{id}/labels).
 */
import { useEffect, useState } from 'react';
import { ErrorNotice } from '@/components/common/Notice';
import { Options } from '@/components/common/Options';
import { useSession } from '@/components/Shell';
import { api, ApiError } from '@/lib/api';
import { LABEL_NAMES, LABEL_ORDER } from '@/lib/labels';
import { useWho } from '@/lib/people';
import { GROUND_TRUTH_SOURCES, type GroundTruthLabel, type GroundTruthSource } from '@/lib/quality';
import type { StudyLabel } from '@/lib/types';

type Choice = '' | '0' | '1';

const VIA: Record<string, string> = { ui: 'dashboard', csv: 'CSV import', api: 'API' };

export function GroundTruthPanel({ studyId }: { studyId: string }) {
  const session = useSession();
  const canEdit = session?.user.role === 'quality';
  const who = useWho();
  const [rows, setRows] = useState<GroundTruthLabel[] | null>(null);
  const [draft, setDraft] = useState<Partial<Record<StudyLabel, Choice>>>({});
  const [source, setSource] = useState<GroundTruthSource>('radiologist');
  const [state, setState] = useState<{ busy: boolean; error: string | null; saved: string | null }>({
    busy: false,
    error: null,
    saved: null,
  });

  useEffect(() => {
    let live = true;
    api<{ labels: GroundTruthLabel[] }>(`/v1/studies/${encodeURIComponent(studyId)}/labels`)
      .then((b) => live && setRows(b.labels))
      .catch((e) => live && setState((s) => ({ ...s, error: e instanceof ApiError ? e.message : 'Ground truth could not be loaded.' })));
    return () => {
      live = false;
    };
  }, [studyId]);

  const current = new Map((rows ?? []).map((r) => [r.label, r]));
  const changed = LABEL_ORDER.filter((l) => {
    const d = draft[l];
    return d !== undefined && d !== '' && String(current.get(l)?.value ?? '') !== d;
  });

  async function save() {
    setState({ busy: true, error: null, saved: null });
    try {
      const labels = Object.fromEntries(changed.map((l) => [l, Number(draft[l])]));
      const b = await api<{ labels: GroundTruthLabel[] }>(`/v1/studies/${encodeURIComponent(studyId)}/labels`, {
        method: 'POST',
        json: { labels, source },
      });
      setRows(b.labels);
      setDraft({});
      setState({ busy: false, error: null, saved: `Saved ${changed.length} label${changed.length === 1 ? '' : 's'}.` });
    } catch (e) {
      setState({ busy: false, error: e instanceof ApiError ? e.message : 'The labels could not be saved.', saved: null });
    }
  }

  return (
    <section className="card card--wide" aria-labelledby="gt-h" data-panel="ground-truth">
      <h2 id="gt-h">Ground truth</h2>
      <p className="muted small">
        {canEdit
          ? 'What the study really showed, for quality monitoring. Choose a value for each label you know; ' +
            'only changed labels are saved, with you, the time and the source.'
          : 'What the study really showed, as entered by the quality team. Only the quality role can enter or change it.'}
      </p>
      <ErrorNotice>{state.error}</ErrorNotice>
      {rows === null && !state.error && <p role="status">Loading…</p>}
      {rows !== null && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (changed.length > 0) void save();
          }}
        >
          <table className="data-table gt-table">
            <caption className="sr-only">Ground truth per label with its provenance</caption>
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col">Ground truth</th>
                <th scope="col">Source</th>
                <th scope="col">Entered by</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {LABEL_ORDER.map((l) => {
                const r = current.get(l);
                const value: Choice = draft[l] ?? (r ? (String(r.value) as Choice) : '');
                return (
                  <tr key={l} data-label={l}>
                    <th scope="row">{LABEL_NAMES[l]}</th>
                    <td>
                      {canEdit ? (
                        <select
                          aria-label={`Ground truth: ${LABEL_NAMES[l]}`}
                          value={value}
                          onChange={(e) => setDraft((d) => ({ ...d, [l]: e.target.value as Choice }))}
                        >
                          {!r && <option value="">Not known</option>}
                          <option value="1">Present</option>
                          <option value="0">Absent</option>
                        </select>
                      ) : r ? (
                        r.value === 1 ? (
                          'Present'
                        ) : (
                          'Absent'
                        )
                      ) : (
                        <span className="muted">Not known</span>
                      )}
                    </td>
                    <td>{r ? `${r.source}${r.enteredVia ? ` · ${VIA[r.enteredVia] ?? r.enteredVia}` : ''}` : '—'}</td>
                    <td>{r ? who(r.recordedBy) : '—'}</td>
                    <td>{r ? new Date(r.recordedAt).toLocaleString('en-GB') : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {canEdit && (
            <div className="form-actions">
              <div className="field">
                <label htmlFor="gt-source">Source</label>
                <select id="gt-source" value={source} onChange={(e) => setSource(e.target.value as GroundTruthSource)}>
                  <Options values={GROUND_TRUTH_SOURCES} />
                </select>
              </div>
              <button
                type="submit"
                className="button button--primary"
                disabled={state.busy || changed.length === 0}
                style={{ alignSelf: 'flex-end' }}
              >
                {state.busy
                  ? 'Saving…'
                  : changed.length
                    ? `Save ${changed.length} label${changed.length === 1 ? '' : 's'}`
                    : 'Save ground truth'}
              </button>
              {state.saved && (
                <span role="status" className="small">
                  {state.saved}
                </span>
              )}
            </div>
          )}
        </form>
      )}
    </section>
  );
}
