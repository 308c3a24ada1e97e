/** The one CSV line reader (ground-truth imports, `embolus eval` files) and the cell writer. */
import { describe, expect, it } from 'vitest';
import { csvCell, csvRow, splitCsvLine } from '../src/csv';

describe('splitCsvLine', () => {
  it('reads plain, quoted, doubled-quote and empty fields, trimmed', () => {
    expect(splitCsvLine('a, b ,"c, d","say ""hi""",')).toEqual({ fields: ['a', 'b', 'c, d', 'say "hi"', ''] });
    expect(splitCsvLine('')).toEqual({ fields: [''] });
    expect(splitCsvLine('"x" ,y')).toEqual({ fields: ['x', 'y'] });
  });

  it('says why a line cannot be read', () => {
    expect(splitCsvLine('a,"open')).toEqual({ problem: 'unterminated quoted field' });
    expect(splitCsvLine('"a"b,c')).toEqual({ problem: 'text after a closing quote' });
  });

  it('reads back what csvRow writes', () => {
    const cells = ['=SUM(A1)', 'a,b', 'q"q', '-1'];
    const line = csvRow([...cells, -1]).replace(/\r\n$/, '');
    expect(splitCsvLine(line)).toEqual({ fields: ["'=SUM(A1)", 'a,b', 'q"q', "'-1", '-1'] });
    expect(csvCell(null)).toBe('');
  });
});
