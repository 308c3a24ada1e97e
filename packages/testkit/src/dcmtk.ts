/**
 * Real DICOM peers for tests: DCMTK command-line tools (Debian `dcmtk`), run as processes, and a
 * TCP relay that cuts a connection after a number of bytes (a peer dropping mid-transfer).
 */
import { spawn } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import net from 'node:net';

/** Runs a DCMTK tool; resolves with exit code and output (never rejects on a non-zero exit). */
export function dcmtk(tool: string, args: string[], timeoutMs = 120_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (out += t));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** Copies `src` to `dst` and applies `dcmodify` changes (`-m`/`-i` pairs), without a .bak file. */
export async function modifiedCopy(src: string, dst: string, changes: string[]): Promise<string> {
  copyFileSync(src, dst);
  const r = await dcmtk('dcmodify', ['-nb', ...changes, dst]);
  if (r.code !== 0) throw new Error(`dcmodify failed: ${r.out}`);
  return dst;
}

/** Store responses in a `storescu -v` log, in order ("Success", "Refused: SOPClassNotSupported"…). */
export function storeResponses(out: string): string[] {
  return [...out.matchAll(/Received Store Response \(([^)]*)\)/g)].map((m) => m[1]!);
}

/** A loopback relay to `target` that closes both sides after `cutAfterBytes` client→server bytes. */
export async function cuttingRelay(targetPort: number, cutAfterBytes: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let sent = 0;
    client.on('data', (chunk: Buffer) => {
      const room = cutAfterBytes - sent;
      if (room <= 0) return;
      upstream.write(chunk.subarray(0, Math.min(room, chunk.length)));
      sent += chunk.length;
      // The connection drops mid-stream: no A-ABORT, no release, just a closed socket.
      if (sent >= cutAfterBytes) setTimeout(() => (upstream.destroy(), client.destroy()), 50);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    for (const s of [client, upstream]) s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  return {
    port: typeof a === 'object' && a ? a.port : 0,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** A loopback TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  return typeof a === 'object' && a ? a.port : 0;
}
