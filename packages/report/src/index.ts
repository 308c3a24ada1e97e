/**
 * @embolus/report: the printable study report. `buildReport` assembles the content (pure),
 * `renderReportHtml` and `renderReportPdf` render it; `@embolus/report/node` loads the fonts and
 * renders the key images from stored slices. Research software, not for clinical use: every
 * report says so at its top and bottom.
 */
export { ReportError, type ReportErrorCode } from './errors';
export {
  buildReport,
  percent,
  DISCLAIMER,
  ABSENCE_SENTENCES,
  MAX_KEY_IMAGE_SIDE,
  type ReportInput,
  type ReportModel,
  type ReportStudy,
  type ReportKeyImage,
  type ReportLabel,
  type ReportCheck,
  type KeyImageAbsence,
} from './model';
export { renderReportHtml, escapeHtml, REPORT_HTML_CSP } from './html';
export { renderReportPdf, type ReportFonts } from './pdf';
export { rgbToPng } from './png';
