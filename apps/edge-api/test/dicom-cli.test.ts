/**
 * The DICOM parts of `embolus-api`: calling AE titles mapped to tenants (`tenants create|update
 * --dicom-ae`), result destinations (`destinations add|list|remove`), and usage errors.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createStore } from '@embolus/db';
import { openSqlite } from '@embolus/db/node';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/node/cli';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '../bin/embolus-api.mjs');
const dir = mkdtempSync(path.join(tmpdir(), 'embolus-dicom-cli-'));
let out: string[];
let err: string[];

beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((t) => (out.push(String(t)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((t) => (err.push(String(t)), true));
});
afterEach(() => vi.restoreAllMocks());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withStore<T>(f: (s: ReturnType<typeof createStore>) => Promise<T>): Promise<T> {
  const h = openSqlite(path.join(dir, 'embolus.sqlite'));
  try {
    return await f(createStore(h.driver));
  } finally {
    h.close();
  }
}

describe('embolus-api DICOM commands', () => {
  it('maps calling AE titles to a tenant on create and replaces them on update', async () => {
    expect(await main(['tenants', 'create', '--data', dir, '--name', 'north', '--dicom-ae', 'CT_NORTH, PACS_NORTH'])).toBe(0);
    const id = out.join('').trim();
    await withStore(async (s) => {
      expect(await s.dicom.aeTitles(id)).toEqual(['CT_NORTH', 'PACS_NORTH']);
      expect(await s.dicom.tenantForAe(' CT_NORTH ')).toBe(id);
    });
    expect(await main(['tenants', 'update', '--data', dir, '--name', 'north', '--dicom-ae', 'MODALITY9'])).toBe(0);
    await withStore(async (s) => {
      expect(await s.dicom.aeTitles(id)).toEqual(['MODALITY9']);
      expect(await s.dicom.tenantForAe('CT_NORTH')).toBeNull();
    });
    out = [];
    expect(await main(['tenants', 'list', '--data', dir])).toBe(0);
    expect(out.join('')).toContain('north\t\tMODALITY9');
  });

  it('refuses an AE title held by another tenant without creating the tenant, and malformed titles', async () => {
    expect(await main(['tenants', 'create', '--data', dir, '--name', 'south', '--dicom-ae', 'MODALITY9'])).toBe(1);
    expect(err.join('')).toContain('mapped to another tenant');
    await withStore(async (s) => expect(await s.tenants.byName('south')).toBeNull());
    expect(await main(['tenants', 'create', '--data', dir, '--name', 'south', '--dicom-ae', 'A_TITLE_LONGER_THAN_16'])).toBe(1);
    expect(await main(['tenants', 'create', '--data', dir, '--name', 'south', '--dicom-ae', 'BAD\\AE'])).toBe(1);
    expect(await main(['tenants', 'update', '--data', dir, '--name', 'nobody', '--dicom-ae', 'X'])).toBe(1);
    expect(await main(['tenants', 'create', '--data', dir, '--name', 'south', '--dicom-ae', 'CT_SOUTH'])).toBe(0);
    expect(await main(['tenants', 'update', '--data', dir, '--name', 'south', '--dicom-ae', 'MODALITY9'])).toBe(2);
    expect(err.join('')).toContain('error CONFLICT');
  });

  it('adds, lists and deactivates result destinations', async () => {
    expect(
      await main([
        'destinations',
        'add',
        '--data',
        dir,
        '--tenant',
        'north',
        '--name',
        'pacs',
        '--dimse',
        '127.0.0.1:11113',
        '--called-ae',
        'PACS',
      ]),
    ).toBe(0);
    const id = out.join('').trim();
    expect(
      await main([
        'destinations',
        'add',
        '--data',
        dir,
        '--tenant',
        'north',
        '--name',
        'web',
        '--stow-url',
        'http://127.0.0.1:8042/dicom-web/studies',
      ]),
    ).toBe(0);
    expect(
      await main([
        'destinations',
        'add',
        '--data',
        dir,
        '--tenant',
        'north',
        '--name',
        'both',
        '--stow-url',
        'http://x/',
        '--dimse',
        'h:1',
      ]),
    ).toBe(1);
    expect(
      await main([
        'destinations',
        'add',
        '--data',
        dir,
        '--tenant',
        'north',
        '--name',
        'p2',
        '--dimse',
        'nohostport',
        '--called-ae',
        'PACS',
      ]),
    ).toBe(1);
    out = [];
    expect(await main(['destinations', 'list', '--data', dir, '--tenant', 'north'])).toBe(0);
    expect(out.join('')).toMatch(/pacs\tdimse\t127\.0\.0\.1:11113 PACS\tactive/);
    expect(out.join('')).toMatch(/web\tstow-rs\thttp:\/\/127\.0\.0\.1:8042\/dicom-web\/studies\tactive/);
    expect(await main(['destinations', 'remove', '--data', dir, '--tenant', 'north', '--id', id])).toBe(0);
    await withStore(async (s) => {
      const t = (await s.tenants.byName('north'))!;
      expect((await s.dicom.destinations(t.id)).find((d) => d.id === id)?.active).toBe(false);
    });
  });

  it('needs --ae for the listener', async () => {
    expect(await main(['dicom-listen', '--data', dir, '--port', '0'])).toBe(1);
    expect(err.join('')).toContain('--ae is required');
  });

  it('serve --dicom-port answers C-ECHO from a mapped AE and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data', dir, '--dicom-port', '0', '--ae', 'EMBOLUS'], {
      env: { ...process.env, EMBOLUS_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    const port = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no listener line: ${stderr}`)), 20_000);
      child.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
        const m = /DICOM listener on 127\.0\.0\.1:(\d+)/.exec(stderr);
        if (m) clearTimeout(t), resolve(m[1]!);
      });
    });
    try {
      const { stdout, stderr: e } = await promisify(execFile)('echoscu', ['-v', '-aet', 'MODALITY9', '-aec', 'EMBOLUS', '127.0.0.1', port]);
      expect(`${stdout}${e}`).toContain('Received Echo Response (Success)');
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 40_000);
});
