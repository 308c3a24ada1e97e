/**
 * The Cloudflare way builds: `wrangler deploy --dry-run` bundles the edge API's Worker and takes
 * every file of the dashboard's static export as Workers static assets (offline, nothing deployed).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const DASH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = mkdtempSync(path.join(tmpdir(), 'embolus-wrangler-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function countFiles(dir: string): number {
  return readdirSync(dir).reduce((n, e) => n + (statSync(path.join(dir, e)).isDirectory() ? countFiles(path.join(dir, e)) : 1), 0);
}

describe('Cloudflare build check', () => {
  it('dry-run deploys the Worker with the dashboard as static assets', async () => {
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) =>
      execFile(
        'npx',
        ['wrangler', 'deploy', '--dry-run', '--outdir', out, '--config', path.join(DASH, 'wrangler.toml')],
        {
          cwd: DASH,
          timeout: 240_000,
          env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' },
        },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, output: stdout + stderr }),
      ),
    );
    expect(code, output).toBe(0);
    const m = /Read (\d+) files from the assets directory/.exec(output);
    // wrangler's count includes the folders it walked, so it is at least the number of files.
    expect(Number(m?.[1])).toBeGreaterThanOrEqual(countFiles(path.join(DASH, 'out')));
    expect(countFiles(path.join(DASH, 'out'))).toBeGreaterThan(10);
    expect(output).toContain('env.ASSETS');
    expect(output).toContain('env.DB');
    expect(readdirSync(out)).toContain('worker.js');
  }, 240_000);
});
