/**
 * CSV writing safe to open in a spreadsheet (RFC 4180 quoting plus formula-injection defence):
 * a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, so
 * Excel, LibreOffice and Google Sheets show it as text instead of running it (OWASP "CSV
 * Injection"). Used for the API's CSV downloads (the audit log export) and the dashboard's chart
 * tables; and the one reader of a CSV line, for ground-truth imports and `embolus eval` files.
 */

/** One cell: null and undefined are empty; strings are defused; anything is quoted if needed. */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  // Numbers stay numbers (a negative value is data, not a formula).
  if (typeof value !== 'number' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One line of cells, ending in CRLF (RFC 4180). */
export function csvRow(cells: readonly (string | number | boolean | null | undefined)[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

/** Why a CSV line cannot be read. */
export type CsvLineProblem = 'unterminated quoted field' | 'text after a closing quote';

/**
 * The fields of one CSV line (RFC 4180 quoting with `""` for a quote; no line breaks inside a
 * field), each trimmed; or why the line is malformed.
 */
export function splitCsvLine(text: string): { fields: string[] } | { problem: CsvLineProblem } {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return { problem: 'unterminated quoted field' };
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else field += text[i++];
      }
      // Spaces after a closing quote are tolerated, anything else is an error.
      while (i < text.length && text[i] === ' ') i++;
      if (i < text.length && text[i] !== ',') return { problem: 'text after a closing quote' };
    } else {
      const end = text.indexOf(',', i);
      field = end < 0 ? text.slice(i) : text.slice(i, end);
      i = end < 0 ? text.length : end;
    }
    fields.push(field.trim());
    if (i >= text.length) return { fields };
    i++; // the comma
  }
}
