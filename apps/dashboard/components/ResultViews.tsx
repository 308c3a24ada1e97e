/**
 * The result's pictures: label bars against thresholds, the window PE probability along z, and
 * the attention heatmap (9 labels × windows). Each has a text equivalent for screen readers.
 */
import { LABEL_NAMES, LABEL_ORDER, LABEL_SHORT } from '@/lib/labels';
import { percent } from '@/lib/format';
import type { AnalysisResult } from '@/lib/types';
import type { ResultDecisions } from '@embolus/shared/decisions';

/**
 * Probability → colour on a sequential pale-yellow → orange → dark-red ramp (like ColorBrewer
 * YlOrRd): one direction of meaning, readable without telling hues apart.
 */
function heat(p: number): string {
  const x = Math.max(0, Math.min(1, p));
  const hue = 52 - 52 * x;
  const sat = 85 + 10 * x;
  const light = 95 - 60 * x;
  return `hsl(${hue.toFixed(0)} ${sat.toFixed(0)}% ${light.toFixed(0)}%)`;
}

/**
 * Every label against its threshold with the REPORTED decision (from `decisionsOf`: the decision
 * procedure's, never a threshold re-applied here). A rule that overrode a label's threshold is
 * explained on the label's row; a non-diagnostic study shows every decision as withheld.
 */
export function LabelBars({ result, decisions }: { result: AnalysisResult; decisions: ResultDecisions }) {
  const changed = new Set(result.consistency.changed);
  const withheld = decisions.exam === 'withheld';
  return (
    <>
      <table className="labels">
        <caption className="sr-only">The nine study labels: probability, threshold and decision</caption>
        <thead>
          <tr>
            <th scope="col">Label</th>
            <th scope="col">Probability vs threshold</th>
            <th scope="col" className="num">
              Probability
            </th>
            <th scope="col" className="num">
              Threshold
            </th>
            <th scope="col">Decision</th>
          </tr>
        </thead>
        <tbody>
          {LABEL_ORDER.map((label) => {
            const r = result.labels[label];
            if (!r) return null;
            const positive = !withheld && decisions.labels[label];
            const overrides = decisions.overrides.filter((o) => o.label === label);
            return (
              <tr key={label} data-label={label}>
                <th scope="row">
                  <span className="labels__name">{LABEL_NAMES[label]}</span>
                  {(changed.has(label) || overrides.length > 0) && (
                    <span className="labels__tags">
                      {changed.has(label) && (
                        <span
                          className="tag"
                          title={r.rawProbability !== undefined ? `model output ${percent(r.rawProbability, 1)}` : undefined}
                        >
                          repaired
                        </span>
                      )}{' '}
                      {overrides.length > 0 && (
                        <a className="tag tag--override" href={`#override-${label}`} aria-describedby={`override-${label}`}>
                          overridden
                        </a>
                      )}
                    </span>
                  )}
                </th>
                <td className="labels__bar-cell">
                  <div className="lbar" aria-hidden="true">
                    <div
                      className={`lbar__fill ${positive ? 'lbar__fill--pos' : ''} ${withheld ? 'lbar__fill--withheld' : ''}`}
                      style={{ width: `${r.probability * 100}%` }}
                    />
                    <div className="lbar__threshold" style={{ left: `${r.threshold * 100}%` }} />
                  </div>
                </td>
                <td className="num mono">{percent(r.probability, 1)}</td>
                <td className="num mono">{percent(r.threshold, 1)}</td>
                <td>
                  {withheld ? (
                    <span className="badge badge--withheld">Withheld</span>
                  ) : positive ? (
                    <span className="badge badge--positive">Positive</span>
                  ) : (
                    <span className="badge badge--negative">Negative</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {!withheld && decisions.overrides.length > 0 && (
        <div className="overrides">
          <h3>Rules that overrode a threshold</h3>
          <ul>
            {decisions.overrides.map((o, i) => (
              <li key={i} id={o.label === 'pe_present_on_image' ? undefined : `override-${o.label}`}>
                {o.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}

export function WindowStrip({ windows }: { windows: AnalysisResult['windows'] }) {
  if (windows.length === 0) return <p className="muted">No windows.</p>;
  const max = windows.reduce((m, w) => (w.probability > m.probability ? w : m), windows[0] as AnalysisResult['windows'][number]);
  const above = windows.filter((w) => w.probability >= 0.5).length;
  return (
    <figure className="strip">
      <div
        className="strip__cells"
        role="img"
        aria-label={
          `PE probability of ${windows.length} windows along z: ` +
          `highest ${percent(max.probability)} at window ${max.index + 1}; ${above} at or above 50 %`
        }
        style={{ gridTemplateColumns: `7.5rem repeat(${windows.length}, minmax(2px, 1fr))` }}
      >
        {/* The same first column as the heatmap below, so window columns line up. */}
        <div className="strip__label">P(PE)</div>
        {windows.map((w) => (
          <div
            key={w.index}
            className="strip__cell"
            style={{ background: heat(w.probability) }}
            title={`window ${w.index + 1}: ${percent(w.probability, 1)}`}
          />
        ))}
      </div>
      <figcaption className="strip__axis">
        <span>window 1 (first slices)</span>
        <span>window {windows.length}</span>
      </figcaption>
    </figure>
  );
}

export function AttentionHeatmap({ attention, windowCount }: { attention: AnalysisResult['attention']; windowCount: number }) {
  const n = Math.max(windowCount, ...LABEL_ORDER.map((l) => attention[l]?.length ?? 0));
  return (
    <figure className="heatmap">
      <div
        className="heatmap__grid"
        role="img"
        aria-label={`Attention of each of the 9 label heads over ${n} windows`}
        style={{ gridTemplateColumns: `7.5rem repeat(${n}, minmax(2px, 1fr))` }}
      >
        {LABEL_ORDER.map((label) => {
          const row = attention[label] ?? [];
          const peak = Math.max(1e-9, ...row);
          return [
            <div key={`${label}-h`} className="heatmap__label" title={LABEL_NAMES[label]}>
              {LABEL_SHORT[label]}
            </div>,
            ...Array.from({ length: n }, (_, i) => (
              // Each row is scaled to its own peak: attention sums to 1 per head, so rows differ in scale.
              <div
                key={`${label}-${i}`}
                className="heatmap__cell"
                style={{ background: heat((row[i] ?? 0) / peak) }}
                title={`${LABEL_NAMES[label]}, window ${i + 1}: ${((row[i] ?? 0) * 100).toFixed(1)} %`}
              />
            )),
          ];
        })}
      </div>
      <figcaption className="muted small">
        Each row scaled to its own maximum; darker: more attention. Columns are the windows of the strip above.
      </figcaption>
    </figure>
  );
}
