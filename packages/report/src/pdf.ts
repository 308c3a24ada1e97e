/**
 * The report as PDF, with pdfkit (text layout and line breaking, TrueType embedding with
 * subsetting through fontkit, PNG images). DejaVu Sans is embedded because the standard PDF fonts
 * only cover WinAnsi, and label names hold "≥"; embedded with a ToUnicode map, every word can be
 * searched and extracted (the tests read it back with pdftotext).
 */
import PDFDocument from 'pdfkit';
import { percent, type ReportCheck, type ReportModel } from './model';
import { rgbToPng } from './png';

/** The TrueType fonts the PDF embeds (regular and bold). */
export interface ReportFonts {
  regular: Uint8Array;
  bold: Uint8Array;
}

const RED = '#990000';
const AMBER = '#8a4b00';
const GREY = '#555555';
const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 50;
const WIDTH = A4.width - 2 * MARGIN;
const BOTTOM = A4.height - MARGIN;

type Doc = InstanceType<typeof PDFDocument>;

/** Starts a new page when fewer than `height` points are left on this one. */
function room(doc: Doc, height: number): void {
  if (doc.y + height > BOTTOM) doc.addPage();
}

function heading(doc: Doc, text: string): void {
  room(doc, 60);
  doc.moveDown(0.8).font('bold').fontSize(13).fillColor('black').text(text, MARGIN, doc.y, { width: WIDTH });
  const y = doc.y + 2;
  doc
    .moveTo(MARGIN, y)
    .lineTo(MARGIN + WIDTH, y)
    .lineWidth(0.5)
    .strokeColor('#999999')
    .stroke();
  doc.y = y + 6;
  doc.font('regular').fontSize(10);
}

function boxed(doc: Doc, text: string, color: string, size: number): void {
  doc.font('bold').fontSize(size);
  const h = doc.heightOfString(text, { width: WIDTH - 16 });
  room(doc, h + 16);
  const top = doc.y;
  doc
    .rect(MARGIN, top, WIDTH, h + 12)
    .lineWidth(1.5)
    .strokeColor(color)
    .stroke();
  doc.fillColor(color).text(text, MARGIN + 8, top + 6, { width: WIDTH - 16 });
  doc.y = top + h + 18;
  doc.fillColor('black').font('regular').fontSize(10);
}

/** One table row: cells at fixed x offsets; the row is as tall as its tallest cell. */
function row(
  doc: Doc,
  cells: { text: string; x: number; width: number; bold?: boolean; align?: 'left' | 'right'; color?: string }[],
  size = 10,
): void {
  doc.fontSize(size);
  const heights = cells.map((c) => doc.font(c.bold ? 'bold' : 'regular').heightOfString(c.text, { width: c.width }));
  const h = Math.max(...heights);
  room(doc, h + 4);
  const top = doc.y;
  for (const c of cells)
    doc
      .font(c.bold ? 'bold' : 'regular')
      .fillColor(c.color ?? 'black')
      .text(c.text, MARGIN + c.x, top, { width: c.width, align: c.align ?? 'left' });
  doc.y = top + h + 4;
  doc.fillColor('black').font('regular');
}

function checks(doc: Doc, list: ReportCheck[]): void {
  row(doc, [
    { text: 'Check', x: 0, width: 140, bold: true },
    { text: 'Outcome', x: 145, width: 55, bold: true },
    { text: 'Details', x: 205, width: WIDTH - 205, bold: true },
  ]);
  for (const c of list)
    row(
      doc,
      [
        { text: c.name, x: 0, width: 140 },
        { text: c.passed ? 'Pass' : 'Fail', x: 145, width: 55, bold: !c.passed, ...(c.passed ? {} : { color: RED }) },
        { text: c.message, x: 205, width: WIDTH - 205 },
      ],
      9,
    );
}

/** Renders the report to PDF bytes. */
export function renderReportPdf(m: ReportModel, fonts: ReportFonts): Promise<Uint8Array> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    // No default font: pdfkit's is Helvetica (read from disk, cannot write "≥"); ours are registered below.
    font: null as unknown as string,
    info: {
      Title: m.title,
      Author: 'Embolus',
      Subject: m.disclaimer,
      Creator: 'Embolus',
      Producer: 'Embolus (pdfkit)',
      CreationDate: new Date(m.generatedAt),
    },
    displayTitle: true,
    lang: 'en',
  });
  doc.registerFont('regular', Buffer.from(fonts.regular));
  doc.registerFont('bold', Buffer.from(fonts.bold));
  doc.font('regular');
  const chunks: Uint8Array[] = [];
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on('data', (c: Uint8Array) => chunks.push(c));
    doc.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on('error', reject);
  });
  // Every page after the first repeats the disclaimer at its top.
  doc.on('pageAdded', () => {
    doc
      .font('bold')
      .fontSize(8)
      .fillColor(RED)
      .text(m.disclaimer, MARGIN, MARGIN - 20, { width: WIDTH, lineBreak: false });
    doc.fillColor('black').font('regular').fontSize(10);
    doc.x = MARGIN;
    doc.y = MARGIN;
  });

  boxed(doc, m.disclaimer, RED, 10);
  // A failed quality gate comes before anything else.
  if (m.nonDiagnostic) boxed(doc, m.nonDiagnostic.reason, AMBER, 12);
  doc.font('bold').fontSize(16).fillColor('black').text(m.title, MARGIN, doc.y, { width: WIDTH });
  doc.moveDown(0.4);
  for (const r of m.study)
    row(
      doc,
      [
        { text: r.label, x: 0, width: 120, bold: true },
        { text: r.value, x: 125, width: WIDTH - 125 },
      ],
      9,
    );

  if (m.nonDiagnostic) {
    heading(doc, 'Study quality');
    doc.text('Decisions are withheld: the study failed a quality gate. Probabilities are shown for research only.', { width: WIDTH });
    doc.moveDown(0.4);
    checks(doc, m.nonDiagnostic.checks);
  } else if (m.exam) {
    heading(doc, 'Exam decision');
    doc.font('bold').fontSize(12).text(m.exam.decision, { width: WIDTH });
    doc.font('regular').fontSize(10).text(m.exam.reason, { width: WIDTH });
  }

  heading(doc, 'Study labels');
  row(doc, [
    { text: 'Label', x: 0, width: 230, bold: true },
    { text: 'Probability', x: 235, width: 80, bold: true, align: 'right' },
    { text: 'Threshold', x: 320, width: 80, bold: true, align: 'right' },
    { text: 'Decision', x: 410, width: WIDTH - 410, bold: true },
  ]);
  for (const l of m.labels) {
    row(doc, [
      { text: l.name, x: 0, width: 230 },
      { text: percent(l.probability), x: 235, width: 80, align: 'right' },
      { text: percent(l.threshold), x: 320, width: 80, align: 'right' },
      { text: l.decision, x: 410, width: WIDTH - 410, bold: l.decision === 'Yes' },
    ]);
    if (l.override) row(doc, [{ text: l.override, x: 12, width: WIDTH - 12, color: GREY }], 8);
  }

  if (m.quality) {
    heading(doc, 'Study quality');
    doc.text('Every check passed.', { width: WIDTH });
    doc.moveDown(0.4);
    checks(doc, m.quality);
  }

  heading(doc, 'Key images');
  if (m.keyImageNote) {
    doc.fillColor(GREY).text(m.keyImageNote, { width: WIDTH });
    doc.fillColor('black').moveDown(0.5);
  }
  const side = 230;
  for (const k of m.keyImages) {
    room(doc, side + 10);
    const top = doc.y;
    // One PNG at a time: each is encoded, handed to pdfkit and dropped before the next.
    doc.image(Buffer.from(rgbToPng(k.rgb, k.rows, k.cols)), MARGIN, top, { fit: [side, side] });
    doc.fontSize(10).text(k.caption, MARGIN + side + 15, top + 4, { width: WIDTH - side - 15 });
    doc.x = MARGIN;
    doc.y = top + side + 10;
  }
  if (m.keyImages.length > 0) {
    room(doc, 40);
    const top = doc.y;
    m.legend.stops.forEach((s, i) =>
      doc
        .rect(MARGIN + i * 18, top, 18, 10)
        .fillColor(`#${s.rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`)
        .fill(),
    );
    doc
      .fillColor('black')
      .fontSize(9)
      .text(m.legend.text, MARGIN + m.legend.stops.length * 18 + 8, top, { width: WIDTH - m.legend.stops.length * 18 - 8 });
    doc.x = MARGIN;
    doc.fontSize(10);
  }

  heading(doc, 'Model');
  for (const [label, value] of [
    ['Version', m.model.version],
    ['SHA-256', m.model.sha256],
    ['Trained on', m.model.trainedOn],
    ['Thresholds', `${m.model.thresholdSet}; window threshold ${percent(m.model.windowThreshold)}`],
    ['Generated', m.generatedAt],
  ] as const) {
    row(
      doc,
      [
        { text: label, x: 0, width: 90, bold: true },
        { text: value, x: 95, width: WIDTH - 95 },
      ],
      9,
    );
  }
  doc.moveDown(0.8);
  boxed(doc, m.disclaimer, RED, 10);
  doc.end();
  return done;
}
