/**
 * The job runner left the CLI for its own program: `embolus runner` says where it went (exit 1)
 * instead of starting anything, and the usage no longer lists it.
 */
import { describe, expect, it } from 'vitest';
import { embolus } from './cli-helpers';

describe('embolus runner', () => {
  it('points to embolus-runner with a usage error', async () => {
    const r = await embolus(['runner', '--api', 'http://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error USAGE: the job runner is its own program now: embolus-runner /m);
    const help = await embolus(['--help']);
    expect(help.code).toBe(0);
    expect(help.stderr).not.toMatch(/^\s+runner\s/m);
    expect(help.stderr).toMatch(/^\s+analyze\s/m);
  }, 30_000);
});
