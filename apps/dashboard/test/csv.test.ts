/** The CSV every quality chart offers: quoting, formula-looking text, missing values. */
import { describe, expect, it } from 'vitest';
import { toCsv, type Column } from '../lib/csv';

interface Row {
  period: string;
  auroc: number | null;
  note: string;
}

const COLUMNS: Column<Row>[] = [
  { key: 'period', header: 'Period', value: (r) => r.period },
  { key: 'auroc', header: 'AUROC', value: (r) => r.auroc, numeric: true },
  { key: 'note', header: 'Note', value: (r) => r.note },
];

describe('toCsv', () => {
  it('writes the keys as the header and one CRLF line per row', () => {
    expect(toCsv([{ period: '2026-01', auroc: 0.912, note: '' }], COLUMNS)).toBe('period,auroc,note\r\n2026-01,0.912,\r\n');
  });

  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    const csv = toCsv([{ period: 'a,b', auroc: 1, note: 'say "hi"\nthen go' }], COLUMNS);
    expect(csv).toBe('period,auroc,note\r\n"a,b",1,"say ""hi""\nthen go"\r\n');
  });

  it('writes missing and non-finite numbers as empty cells, never as NaN', () => {
    const csv = toCsv(
      [
        { period: 'x', auroc: null, note: '' },
        { period: 'y', auroc: Number.NaN, note: '' },
      ],
      COLUMNS,
    );
    expect(csv.split('\r\n').slice(1, 3)).toEqual(['x,,', 'y,,']);
  });

  it('defuses text a spreadsheet would run as a formula, but not negative numbers', () => {
    const csv = toCsv([{ period: '=HYPERLINK("x")', auroc: -0.02, note: '@cmd' }], COLUMNS);
    expect(csv.split('\r\n')[1]).toBe(`"'=HYPERLINK(""x"")",-0.02,'@cmd`);
  });
});
