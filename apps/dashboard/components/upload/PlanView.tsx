/**
 * What the scan found, before anything is sent: studies and series (series, slices, modality,
 * slice thickness), the attributes de-identification removes (by name and tag, never by value),
 * and every refused file with its reason.
 */
import type { RefusedFile, RemovedSummary, UploadPlan } from '@embolus/deid/client';
import { megabytes, refusalReason } from '@/lib/upload';

function thickness(t: number | null, all: number[]): string {
  if (t !== null) return `${t} mm`;
  return all.length > 0 ? `${all.join(', ')} mm (mixed)` : '—';
}

export function StudySummaryView({ plan, links }: { plan: UploadPlan; links: Map<string, string> }) {
  return (
    <>
      {plan.studies.map((s, i) => {
        const id = links.get(s.studyInstanceUid);
        return (
          <section key={s.studyInstanceUid} className="card upload-study" aria-labelledby={`study-${i}`}>
            <div className="upload-study__head">
              <h3 id={`study-${i}`}>
                Study {i + 1} <span className="muted small">· patient {s.patient} of this upload</span>
              </h3>
              {id && (
                <a className="button button--secondary" href={`/study?id=${encodeURIComponent(id)}`}>
                  Open study {i + 1} on the worklist
                </a>
              )}
            </div>
            <p className="muted small mono break">{s.studyInstanceUid}</p>
            <table className="data-table">
              <caption className="sr-only">Series of study {i + 1}</caption>
              <thead>
                <tr>
                  <th scope="col">Series</th>
                  <th scope="col">Modality</th>
                  <th scope="col" className="num">
                    Slices
                  </th>
                  <th scope="col" className="num">
                    Slice thickness
                  </th>
                  <th scope="col" className="num">
                    Matrix
                  </th>
                  <th scope="col" className="num">
                    Size
                  </th>
                </tr>
              </thead>
              <tbody>
                {s.series.map((se) => (
                  <tr key={se.seriesInstanceUid}>
                    <th scope="row">{se.seriesNumber ?? '—'}</th>
                    <td>{se.modality || '—'}</td>
                    <td className="num">{se.slices}</td>
                    <td className="num">{thickness(se.sliceThickness, se.sliceThicknesses)}</td>
                    <td className="num">{se.rows && se.columns ? `${se.columns} × ${se.rows}` : '—'}</td>
                    <td className="num">{megabytes(se.bytes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        );
      })}
    </>
  );
}

export function RemovedView({ removed }: { removed: RemovedSummary[] }) {
  if (removed.length === 0) return <p className="muted">The files carry none of the attributes the profile removes.</p>;
  return (
    <table className="data-table" id="removed-attributes">
      <caption className="sr-only">Attributes removed or emptied before upload</caption>
      <thead>
        <tr>
          <th scope="col">Attribute</th>
          <th scope="col">Tag</th>
          <th scope="col">Treatment</th>
          <th scope="col" className="num">
            Files
          </th>
        </tr>
      </thead>
      <tbody>
        {removed.map((r) => (
          <tr key={r.tag}>
            <th scope="row">{r.keyword}</th>
            <td className="mono">{r.tag}</td>
            <td>{r.treatment === 'removed' ? 'Removed' : 'Emptied'}</td>
            <td className="num">{r.files}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RefusedView({ refused }: { refused: RefusedFile[] }) {
  if (refused.length === 0) return <p className="muted">No file was refused.</p>;
  return (
    <table className="data-table" id="refused-files">
      <caption className="sr-only">Files that are not uploaded, with the reason</caption>
      <thead>
        <tr>
          <th scope="col">File</th>
          <th scope="col">Reason</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {refused.map((r) => (
          <tr key={`${r.index}-${r.code}`}>
            <th scope="row" className="mono break">
              {r.name}
            </th>
            <td>
              <span className="badge badge--refused">{refusalReason(r)}</span>
            </td>
            <td className="small">{r.message}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
