'use client';
/**
 * The site's threshold sets, newest first and paged: version (the one in force marked), when and
 * by whom, the thresholds with their rules, the note, and re-applying an older version.
 */
import { useState } from 'react';
import { ErrorNotice } from '@/components/common/Notice';
import { OffsetPager } from '@/components/common/Pager';
import { LABEL_NAMES, LABEL_ORDER } from '@/lib/labels';
import { useWho } from '@/lib/people';
import { fixed } from '@/lib/quality';
import { ruleText, THRESHOLDS_PATH, type ThresholdSet, type ThresholdSets } from '@/lib/thresholds';
import { useApi } from '@/lib/useApi';

const PAGE = 20;

/** The list of threshold sets; `tick` reloads it after a change. */
export function ThresholdSetsTable({
  tick,
  onReapply,
  canApply,
}: {
  tick: number;
  onReapply: (version: number) => void;
  canApply: boolean;
}) {
  const [offset, setOffset] = useState(0);
  const sets = useApi<ThresholdSets>(`${THRESHOLDS_PATH}?limit=${PAGE}&offset=${offset}&t=${tick}`);
  const who = useWho();
  const items = sets.data?.items ?? [];
  return (
    <section className="card" aria-labelledby="sets-h">
      <h2 id="sets-h">Threshold sets</h2>
      <p className="muted small">Each applied change is a new version; the newest is in force. Results record the version they used.</p>
      <ErrorNotice>{sets.error}</ErrorNotice>
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
      <OffsetPager
        small
        offset={offset}
        pageSize={PAGE}
        shown={items.length}
        onOffset={setOffset}
        summary={items.length ? `Versions ${items[items.length - 1]!.version}–${items[0]!.version}` : ''}
      />
    </section>
  );
}
