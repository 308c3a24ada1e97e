/**
 * `embolus-runner` (bin/embolus-runner.mjs), the runner's own program: bad arguments are a
 * one-line usage error with exit code 1, as in the `embolus` CLI; --help prints usage.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(import.meta.dirname, '../bin/embolus-runner.mjs');

function runner(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  // Without the runner's environment variables, so only the flags given count.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('EMBOLUS_')));
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...base, ...env } }, (err, _stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr });
    });
  });
}

describe('embolus-runner', () => {
  it('refuses missing --api/--key with a usage error, exit 1', async () => {
    const r = await runner(['--concurrency', '2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error USAGE: usage: embolus-runner --api <url> --key <runner-key>/m);
    const bad = await runner(['--api', 'not a url'], { EMBOLUS_RUNNER_KEY: 'emb_x' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error USAGE: --api must be a URL/m);
  }, 30_000);

  it('prints usage for --help, exit 0', async () => {
    const r = await runner(['--help']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^usage: embolus-runner --api <url> --key <runner-key>/m);
  }, 30_000);
});
