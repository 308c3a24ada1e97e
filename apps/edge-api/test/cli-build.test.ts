/**
 * Running it both ways from the outside: the `embolus-api` executable (keys, serve) and the
 * Workers build (`wrangler deploy --dry-run`).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { KEY_PATTERN } from '@embolus/db';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(root, 'bin/embolus-api.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'embolus-cli-'));
const children: ChildProcess[] = [];
afterAll(() => {
  // A failed assertion must not leave a server running.
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: root }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('embolus-api CLI', () => {
  it('creates keys (only the key on stdout) and refuses bad arguments', async () => {
    const data = path.join(dir, 'keys');
    const out = await run(['keys', 'create', '--data', data, '--tenant', 'acme', '--role', 'clinician']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout.trim()).toMatch(KEY_PATTERN);
    expect(existsSync(path.join(data, 'embolus.sqlite'))).toBe(true);
    const bad = await run(['keys', 'create', '--data', data, '--tenant', 'acme', '--role', 'superuser']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('error USAGE');
    expect((await run(['nonsense'])).code).toBe(1);
    const list = await run(['keys', 'list', '--data', data, '--tenant', 'acme']);
    expect(list.stdout).toContain('clinician');
    expect(list.stdout).not.toContain(out.stdout.trim());
  });

  it.each([1, 2])(
    'serves the API from a data folder with %i worker process(es), migrations applied at start, and stops on SIGTERM',
    async (workers) => {
      const data = path.join(dir, `serve-${workers}`);
      const key = (await run(['keys', 'create', '--data', data, '--tenant', 'acme', '--role', 'clinician'])).stdout.trim();
      const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data', data, '--workers', String(workers)], {
        cwd: root,
        env: { ...process.env, EMBOLUS_LOG_LEVEL: 'silent' },
      });
      children.push(child);
      const port = await new Promise<number>((resolve, reject) => {
        let err = '';
        child.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', () => reject(new Error(err)));
      });
      const base = `http://127.0.0.1:${port}`;
      expect(((await (await fetch(`${base}/v1/health`)).json()) as { status: string }).status).toBe('ok');
      expect((await fetch(`${base}/v1/studies`)).status).toBe(401);
      for (let i = 0; i < 4; i++) {
        const created = await fetch(`${base}/v1/studies`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
        expect(created.status).toBe(201);
      }
      const list = (await (await fetch(`${base}/v1/studies`, { headers: { authorization: `Bearer ${key}` } })).json()) as {
        items: unknown[];
      };
      expect(list.items).toHaveLength(4);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    },
  );
});

describe('Workers build', () => {
  it('wrangler deploy --dry-run bundles the Worker without Node-only modules', async () => {
    const out = path.join(dir, 'worker');
    const res = await new Promise<{ code: number; output: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(root, '../../node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', out],
        { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', CI: '1' } },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, output: stdout + stderr }),
      );
    });
    expect(res.code, res.output).toBe(0);
    expect(res.output).toContain('env.DB');
    expect(res.output).toContain('env.BUCKET');
    const bundle = readFileSync(path.join(out, 'worker.js'), 'utf8');
    expect(bundle).not.toContain('better-sqlite3');
    expect(bundle).not.toMatch(/from\s*["']node:fs["']/);
    expect(bundle).toContain('/v1/openapi.json');
  });
});
