/**
 * A model version's evaluation report from its card: the held-out AUROCs with CIs where the card
 * has them, else the validation AUROCs of training. Unknown shapes are said to be missing, not guessed.
 */
import { LABEL_NAMES } from '@/lib/labels';
import { fixed } from '@/lib/quality';
import type { StudyLabel } from '@/lib/types';

interface HeldOut {
  studies?: number;
  aurocs?: Record<string, { n?: number; positives?: number; auroc?: number | null; ci?: [number, number] | null }>;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

type Row = { n?: number; positives?: number; auroc?: number | null; ci?: [number, number] | null };

/** The AUROC table a card carries, under one shape: held-out evaluation first, then validation. */
function tableOf(card: Record<string, unknown>, version: string): { title: string; rows: Record<string, Row> } | null {
  const held = isRecord(card['heldOutEvaluation']) ? (card['heldOutEvaluation'] as HeldOut) : null;
  if (held?.aurocs) {
    return {
      title: `Held-out evaluation of ${version}${held.studies !== undefined ? ` on ${held.studies} studies` : ''}`,
      rows: held.aurocs,
    };
  }
  // What a training job stores (the runner's card): validation through the serving path, per label.
  const val = isRecord(card['validation']) ? card['validation'] : null;
  if (val && isRecord(val['labels'])) {
    const studies = typeof val['studies'] === 'number' ? ` on ${val['studies']} studies` : '';
    const split = typeof val['split'] === 'string' ? ` (${val['split']} split)` : '';
    return { title: `Validation of ${version}${studies}${split}, through the serving path`, rows: val['labels'] as Record<string, Row> };
  }
  return null;
}

export function EvaluationReport({ card, version }: { card: unknown; version: string }) {
  if (!isRecord(card)) return <p className="muted small">No evaluation report: this version has no model card.</p>;
  const table = tableOf(card, version);
  const validation =
    isRecord(card['metrics']) && isRecord(card['metrics']['study_auroc'])
      ? (card['metrics']['study_auroc'] as Record<string, number | null>)
      : null;
  const trainedOn = typeof card['trainedOn'] === 'string' ? card['trainedOn'] : null;
  if (table) {
    return (
      <div>
        <p className="small">
          {table.title}
          {trainedOn ? `. Trained on: ${trainedOn}` : ''}
        </p>
        <table className="data-table">
          <caption className="sr-only">AUROC per label of {version}</caption>
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col" className="num">
                n
              </th>
              <th scope="col" className="num">
                Positives
              </th>
              <th scope="col" className="num">
                AUROC
              </th>
              <th scope="col" className="num">
                95% CI
              </th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(table.rows).map(([label, r]) => (
              <tr key={label}>
                <th scope="row">
                  {LABEL_NAMES[label as StudyLabel] ?? (label === 'pe_present_on_image' ? 'PE on image (windows)' : label)}
                </th>
                <td className="num mono">{r.n ?? '—'}</td>
                <td className="num mono">{r.positives ?? '—'}</td>
                <td className="num mono">{r.auroc === null || r.auroc === undefined ? 'too little data' : fixed(r.auroc)}</td>
                <td className="num mono">{r.ci ? `${fixed(r.ci[0])}–${fixed(r.ci[1])}` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    );
  }
  if (validation) {
    return (
      <div>
        <p className="small">Validation AUROC of training (no held-out report in the card).</p>
        <ul className="small">
          {Object.entries(validation).map(([l, v]) => (
            <li key={l}>
              {LABEL_NAMES[l as StudyLabel] ?? l}: {v === null ? 'too little data' : fixed(v)}
            </li>
          ))}
        </ul>
      </div>
    );
  }
  return <p className="muted small">No evaluation report in this version’s card.</p>;
}
