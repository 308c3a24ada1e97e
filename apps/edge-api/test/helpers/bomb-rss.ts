/**
 * Run in a child process (`node --import tsx test/helpers/bomb-rss.ts <zip|dicom> [count]`):
 * sends `count` decompression bombs at once through the real app (default limits) and prints
 * JSON with the statuses and the process's peak RSS growth, read from /proc/self/status. A
 * fresh process keeps earlier tests' allocations out of the measure.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { deflatedDicomBomb, zipBomb } from '@embolus/testkit/bombs';
import { harness } from './harness';

function statusKb(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : Number.NaN;
}

const kind = process.argv[2] === 'dicom' ? 'dicom' : 'zip';
const count = Number(process.argv[3] ?? 4);
const h = harness();
const key = await h.key('bombs', 'clinician');
const bodies = Array.from({ length: count }, () => (kind === 'zip' ? zipBomb() : deflatedDicomBomb()));
const studies: string[] = [];
for (let i = 0; i < count; i++) studies.push(((await (await h.request('POST', '/v1/studies', { key })).json()) as { id: string }).id);
const send = (i: number) =>
  kind === 'zip'
    ? h.request('POST', `/v1/studies/${studies[i]}/instances`, {
        key,
        body: bodies[i] as never,
        headers: { 'content-type': 'application/zip' },
      })
    : h.request('PUT', `/v1/studies/${studies[i]}/instances/1.2.3.${i}`, {
        key,
        body: bodies[i] as never,
        headers: { 'content-type': 'application/dicom' },
      });
// Reset the peak to the current RSS where the kernel allows it (Linux clear_refs 5).
try {
  writeFileSync('/proc/self/clear_refs', '5');
} catch {
  /* the peak then includes setup, which only overstates growth */
}
const baselineKb = statusKb('VmRSS');
const started = performance.now();
const responses = await Promise.all(Array.from({ length: count }, (_, i) => send(i)));
const ms = performance.now() - started;
const peakKb = statusKb('VmHWM');
const bodiesOut = await Promise.all(responses.map(async (r) => ({ status: r.status, body: (await r.json()) as unknown })));
h.close();
process.stdout.write(
  `${JSON.stringify({
    kind,
    count,
    bombBytes: bodies[0]?.length,
    baselineKb,
    peakKb,
    growthMb: (peakKb - baselineKb) / 1024,
    ms,
    responses: bodiesOut,
  })}\n`,
);
