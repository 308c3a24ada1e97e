/**
 * `embolus train demo` refuses a work folder whose cache holds another phantom set's studies;
 * `embolus train <module>` reads paths relative to the folder it is run in, with the interpreter
 * EMBOLUS_PYTHON names (default python3 on PATH).
 */
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEBIAN_PYTHON, pythonExecutable } from '@embolus/trainer';
import { embolus } from './cli-helpers';

describe('embolus train demo', () => {
  it('stops before caching when the cache holds studies of an earlier, different run', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'embolus-train-demo-'));
    try {
      await mkdir(path.join(work, 'cache'), { recursive: true });
      const foreign = { study: '2.25.1234', split: 'train', windows: 3, positiveWindows: 0, labels: {} };
      await writeFile(path.join(work, 'cache', 'index.jsonl'), JSON.stringify(foreign) + '\n');
      const r = await embolus(['train', 'demo', '--work', work, '--studies', '2', '--test-studies', '1', '--out', path.join(work, 'out')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/error USAGE: .*cache holds 1 studies that are not in this phantom set.*delete/);
      // Phantoms were written, nothing was cached or trained.
      expect(existsSync(path.join(work, 'phantoms-train', 'phantom-manifest.json'))).toBe(true);
      expect((await readFile(path.join(work, 'cache', 'index.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(1);
      expect(existsSync(path.join(work, 'model'))).toBe(false);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('embolus train <module>', () => {
  it('resolves relative paths against the folder it runs in', async () => {
    const cwd = await mkdtemp(path.join(tmpdir(), 'embolus-train-module-'));
    try {
      // A config with a typo: the trainer must find the file (relative to cwd) to reject its key.
      await writeFile(path.join(cwd, 'typo.json'), JSON.stringify({ name: 'x', phase1: { widht: 8 } }));
      const r = await embolus(['train', 'phase1', '--cache', 'no-cache', '--out', 'out', '--config', 'typo.json'], { cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/unknown key\(s\) \['widht'\]/);
      expect(r.stderr).toMatch(/error TRAINER_FAILED: trainer module train_phase1 exited with 1/);
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 60_000);

  it("starts the interpreter EMBOLUS_PYTHON names, Debian's python3 by default", async () => {
    const byDefault = existsSync(DEBIAN_PYTHON) ? DEBIAN_PYTHON : 'python3';
    expect(pythonExecutable({})).toBe(byDefault);
    expect(pythonExecutable({ EMBOLUS_PYTHON: ' ' })).toBe(byDefault);
    expect(pythonExecutable({ EMBOLUS_PYTHON: '/opt/venv/bin/python' })).toBe('/opt/venv/bin/python');
    const cwd = await mkdtemp(path.join(tmpdir(), 'embolus-train-python-'));
    try {
      // A stand-in interpreter that records how it was called and fails with its own code.
      const fake = path.join(cwd, 'fake-python');
      await writeFile(fake, `#!/bin/sh\necho "$@" > '${path.join(cwd, 'args')}'\nexit 3\n`);
      await chmod(fake, 0o755);
      const r = await embolus(['train', 'phase1', '--cache', 'c', '--out', 'o'], { cwd, env: { EMBOLUS_PYTHON: fake } });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/error TRAINER_FAILED: trainer module train_phase1 exited with 3/);
      expect((await readFile(path.join(cwd, 'args'), 'utf8')).trim()).toBe('-m embolus_trainer.train_phase1 --cache c --out o');
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the demo recipe’s acquisition range', () => {
  it('is what the shipped demo manifest declares, and parses as the manifest schema', async () => {
    const { DEMO_ACQUISITION } = await import('../src/commands/train');
    const { AcquisitionRangeSchema } = await import('@embolus/shared');
    const shipped = JSON.parse(await readFile(new URL('../../../models/demo/manifest.json', import.meta.url), 'utf8')) as {
      acquisition: unknown;
    };
    expect(shipped.acquisition).toEqual(DEMO_ACQUISITION);
    expect(AcquisitionRangeSchema.parse(shipped.acquisition)).toMatchObject({
      maxLungCutFraction: null,
      sliceThicknessMm: { min: 0.5, max: 3 },
    });
  });
});
