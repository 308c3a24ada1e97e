/**
 * The Node server against slow and numerous clients, over real sockets on 127.0.0.1: stalled
 * headers and stalled bodies are closed after their idle timeouts, honest slow bodies and idle
 * keep-alive connections are not, and connections past the cap are refused. Timeouts are set to
 * a few hundred milliseconds here (30 s by default).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/node/serve';

const dirs: string[] = [];
async function server(env: Record<string, string>): Promise<RunningServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'embolus-limits-'));
  dirs.push(dir);
  return startServer({ dataDir: dir, port: 0, dispatcher: false, env: { EMBOLUS_LOG_LEVEL: 'silent', ...env } });
}

/** A raw connection: what it received, and when it closed (ms after opening). */
function connect(port: number): { socket: net.Socket; received: () => string; closed: Promise<number> } {
  const socket = net.connect(port, '127.0.0.1');
  const started = performance.now();
  let data = '';
  socket.on('data', (d) => (data += d.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - started)));
  return { socket, received: () => data, closed };
}

/** Resolves with the close time, or 'open' if the socket is still open after `ms`. */
const within = (closed: Promise<number>, ms: number) => Promise.race([closed, new Promise<'open'>((r) => setTimeout(() => r('open'), ms))]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let s: RunningServer;
let key: string;
let studyId: string;
beforeAll(async () => {
  s = await server({ EMBOLUS_HEADERS_TIMEOUT_MS: '300', EMBOLUS_BODY_IDLE_TIMEOUT_MS: '300' });
  const tenant = await s.runtime.deps.store.tenants.ensure('limits');
  key = (await s.runtime.deps.store.keys.create({ tenantId: tenant.id, role: 'clinician' })).key;
  studyId = (await s.runtime.deps.store.studies.create(tenant.id, { studyInstanceUid: null })).id;
});
afterAll(async () => {
  await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const upload = (length: number) =>
  `POST /v1/studies/${studyId}/instances HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\n` +
  `Content-Type: application/zip\r\nContent-Length: ${length}\r\n\r\n`;

describe('slow clients', () => {
  it('closes a connection whose body stalls', async () => {
    const c = connect(s.port);
    c.socket.write(upload(1000) + 'x'.repeat(10));
    const t = await within(c.closed, 3_000);
    expect(t).not.toBe('open');
    expect(t as number).toBeGreaterThan(250);
  });

  it('closes a connection whose headers stall, or that sends nothing', async () => {
    const partial = connect(s.port);
    partial.socket.write('GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const silent = connect(s.port);
    expect(await within(partial.closed, 3_000)).not.toBe('open');
    expect(await within(silent.closed, 3_000)).not.toBe('open');
  });

  it('keeps a slow body that never pauses past the idle timeout, and idle keep-alive connections', async () => {
    const c = connect(s.port);
    const body = 'x'.repeat(50);
    c.socket.write(upload(body.length));
    for (let i = 0; i < 5; i++) {
      await sleep(150);
      c.socket.write(body.slice(i * 10, i * 10 + 10));
    }
    for (let i = 0; i < 100 && !c.received().includes('\r\n\r\n'); i++) await sleep(20);
    // 750 ms in all, more than twice the idle timeout: answered (a garbage zip is a 400).
    expect(c.received()).toMatch(/^HTTP\/1\.1 400 /);
    // The connection is kept alive, idle, longer than the body idle timeout.
    expect(await within(c.closed, 700)).toBe('open');
    c.socket.write('GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    for (let i = 0; i < 100 && !c.received().includes('"status":"ok"'); i++) await sleep(20);
    expect(c.received()).toContain('"status":"ok"');
    c.socket.destroy();
  });
});

describe('connection cap', () => {
  it('refuses connections past EMBOLUS_MAX_CONNECTIONS and accepts again when one closes', async () => {
    const capped = await server({ EMBOLUS_MAX_CONNECTIONS: '2', EMBOLUS_HEADERS_TIMEOUT_MS: '10000' });
    const a = connect(capped.port);
    const b = connect(capped.port);
    await sleep(100);
    const c = connect(capped.port);
    expect(await within(c.closed, 1_000)).not.toBe('open');
    expect(c.received()).toBe('');
    expect(await within(a.closed, 10)).toBe('open');
    a.socket.destroy();
    await a.closed;
    await sleep(50);
    const res = await fetch(`http://127.0.0.1:${capped.port}/v1/health`);
    expect(res.status).toBe(200);
    b.socket.destroy();
    await capped.close();
  });

  it('holds per process in `serve --workers 2`: excess connections are closed, not passed around', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'embolus-limits-cluster-'));
    dirs.push(dir);
    const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/embolus-api.mjs');
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data', dir, '--workers', '2'], {
      env: { ...process.env, EMBOLUS_MAX_CONNECTIONS: '1', EMBOLUS_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const conns: ReturnType<typeof connect>[] = [];
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /listening on http:\/\/[^:]+:(\d+)/.exec(err);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', () => reject(new Error(err)));
      });
      for (let i = 0; i < 4; i++) conns.push(connect(port));
      await sleep(800);
      const states = await Promise.all(conns.map((c) => within(c.closed, 1)));
      // At most one connection per listening worker stays; the rest are closed (with
      // server.maxConnections they would bounce between the workers, open and unserved).
      const open = states.filter((x) => x === 'open').length;
      expect(open).toBeGreaterThanOrEqual(1);
      expect(open).toBeLessThanOrEqual(2);
    } finally {
      // Open connections would keep the workers from stopping.
      for (const c of conns) c.socket.destroy();
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    }
  });
});
