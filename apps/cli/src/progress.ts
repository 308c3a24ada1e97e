/**
 * A one-line progress bar on stderr (redrawn in place on a terminal, one line per update
 * otherwise so logs stay readable), with an ETA from the mean time per item.
 */
export function progressBar(label: string): (done: number, total: number, note?: string) => void {
  const start = performance.now();
  const tty = process.stderr.isTTY === true;
  let lastPrinted = -1;
  return (done, total, note = '') => {
    const pct = total ? done / total : 1;
    const elapsed = (performance.now() - start) / 1000;
    const eta = done ? (elapsed / done) * (total - done) : 0;
    const width = 24;
    const bar = '#'.repeat(Math.round(pct * width)).padEnd(width, '.');
    const fmt = (s: number) => (s >= 60 ? `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${s.toFixed(0)}s`);
    const line = `${label} [${bar}] ${done}/${total} ${(pct * 100).toFixed(0)}% elapsed ${fmt(elapsed)} eta ${fmt(eta)} ${note}`;
    if (tty) process.stderr.write(`\r${line.padEnd(100)}${done === total ? '\n' : ''}`);
    else if (done === total || Math.floor(pct * 20) !== lastPrinted) {
      lastPrinted = Math.floor(pct * 20);
      process.stderr.write(line + '\n');
    }
  };
}
