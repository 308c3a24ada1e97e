/**
 * CSV writing safe to open in a spreadsheet (RFC 4180 quoting plus formula-injection defence):
 * a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'`, so
 * Excel, LibreOffice and Google Sheets show it as text instead of running it (OWASP "CSV
 * Injection"). Used for the API's CSV downloads (the audit log export).
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
