/**
 * The report as one self-contained HTML page: inline CSS (screen and print), key images as PNG
 * data URIs, no script, no external request. Every string from the model is escaped.
 */
import { percent, type ReportCheck, type ReportModel } from './model';
import { base64, rgbToPng } from './png';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const e = escapeHtml;

/** The Content-Security-Policy the page needs (inline styles and data: images only). */
export const REPORT_HTML_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, "DejaVu Sans", Arial, sans-serif; color: #111; margin: 2rem auto; max-width: 52rem; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid #bbb; }
.disclaimer { border: 2px solid #a00; background: #fff3f3; color: #700; padding: .5rem .75rem; font-weight: 600; }
.nondiag { border: 2px solid #a60; background: #fff7e6; padding: .5rem .75rem; font-weight: 600; font-size: 1.1rem; }
.exam { font-size: 1.15rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.yes { font-weight: 700; } .fail { color: #a00; font-weight: 700; }
figure { margin: 0 0 1rem; break-inside: avoid; page-break-inside: avoid; }
figure img { max-width: 100%; width: 22rem; image-rendering: auto; border: 1px solid #444; }
figcaption { font-size: .9rem; }
.legend { display: flex; align-items: center; gap: .5rem; font-size: .9rem; }
.ramp { display: inline-flex; }
.ramp span { width: 1.5rem; height: .9rem; display: inline-block; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.muted { color: #555; font-size: .9rem; font-weight: normal; }
@page { size: A4; margin: 15mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 11pt; }
  .disclaimer, .nondiag, .ramp span { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-after: avoid; }
}
`;

function checksTable(checks: ReportCheck[]): string {
  if (checks.length === 0) return '';
  const rows = checks
    .map(
      (c) =>
        `<tr><th scope="row">${e(c.name)}</th>` +
        `<td class="${c.passed ? '' : 'fail'}">${c.passed ? 'Pass' : 'Fail'}</td><td>${e(c.message)}</td></tr>`,
    )
    .join('');
  const head = '<tr><th scope="col">Check</th><th scope="col">Outcome</th><th scope="col">Details</th></tr>';
  return `<table><thead>${head}</thead><tbody>${rows}</tbody></table>`;
}

/** The report as a complete HTML document. */
export function renderReportHtml(m: ReportModel): string {
  const parts: string[] = [];
  parts.push(
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
      '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">' +
      `<title>${e(m.title)}</title><style>${CSS}</style></head><body>`,
  );
  parts.push(`<p class="disclaimer" role="note">${e(m.disclaimer)}</p>`);
  // A failed quality gate comes before anything else, even the title's study block.
  if (m.nonDiagnostic) parts.push(`<p class="nondiag" role="alert" id="non-diagnostic">${e(m.nonDiagnostic.reason)}</p>`);
  parts.push(`<h1>${e(m.title)}</h1>`);
  parts.push(`<dl>${m.study.map((r) => `<dt>${e(r.label)}</dt><dd>${e(r.value)}</dd>`).join('')}</dl>`);
  if (m.nonDiagnostic) {
    parts.push(
      '<h2>Study quality</h2><p>Decisions are withheld: the study failed a quality gate. Probabilities are shown for research only.</p>' +
        checksTable(m.nonDiagnostic.checks),
    );
  } else if (m.exam) {
    parts.push(`<h2>Exam decision</h2><p class="exam"><strong>${e(m.exam.decision)}</strong></p><p>${e(m.exam.reason)}</p>`);
  }
  const rows = m.labels
    .map(
      (l) =>
        `<tr data-label="${e(l.label)}">` +
        `<th scope="row">${e(l.name)}${l.override ? `<br><span class="muted">${e(l.override)}</span>` : ''}</th>` +
        `<td class="num">${e(percent(l.probability))}</td><td class="num">${e(percent(l.threshold))}</td>` +
        `<td class="${l.decision === 'Yes' ? 'yes' : ''}">${e(l.decision)}</td></tr>`,
    )
    .join('');
  parts.push(
    '<h2>Study labels</h2><table><thead><tr>' +
      '<th scope="col">Label</th><th scope="col">Probability</th><th scope="col">Threshold</th><th scope="col">Decision</th>' +
      `</tr></thead><tbody>${rows}</tbody></table>`,
  );
  if (m.quality) parts.push(`<h2>Study quality</h2><p>Every check passed.</p>${checksTable(m.quality)}`);
  parts.push('<h2>Key images</h2>');
  if (m.keyImageNote) parts.push(`<p class="muted" id="key-image-note">${e(m.keyImageNote)}</p>`);
  for (const k of m.keyImages) {
    const src = `data:image/png;base64,${base64(rgbToPng(k.rgb, k.rows, k.cols))}`;
    parts.push(
      `<figure><img src="${src}" width="${k.cols}" height="${k.rows}" alt="${e(`Key image: ${k.caption}`)}">` +
        `<figcaption>${e(k.caption)}</figcaption></figure>`,
    );
  }
  if (m.keyImages.length > 0) {
    const ramp = m.legend.stops.map((s) => `<span style="background:rgb(${s.rgb.join(',')})"></span>`).join('');
    parts.push(`<p class="legend"><span class="ramp" aria-hidden="true">${ramp}</span><span>${e(m.legend.text)}</span></p>`);
  }
  parts.push(
    `<h2>Model</h2><dl><dt>Version</dt><dd>${e(m.model.version)}</dd><dt>SHA-256</dt><dd>${e(m.model.sha256)}</dd>` +
      `<dt>Trained on</dt><dd>${e(m.model.trainedOn)}</dd>` +
      `<dt>Thresholds</dt><dd>${e(m.model.thresholdSet)}; window threshold ${e(percent(m.model.windowThreshold))}</dd>` +
      `<dt>Generated</dt><dd>${e(m.generatedAt)}</dd></dl>`,
  );
  parts.push(`<p class="disclaimer" role="note">${e(m.disclaimer)}</p></body></html>`);
  return parts.join('\n');
}
