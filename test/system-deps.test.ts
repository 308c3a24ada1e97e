/**
 * `scripts/ensure-system-deps.sh`, which `npm test` runs first: it checks that the Python the tests
 * use can import the trainer's and reference decoders' modules, installs the Debian packages with
 * apt-get when it can (root, apt present, Debian's interpreter), and otherwise fails saying exactly
 * what to run. The machine's packages cannot be removed here, so the script runs with a PATH of
 * stand-ins for `python3`, `apt-get` and `id` (their state in files) to exercise its decisions;
 * the last cases use the real interpreter.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '@embolus/local-stack';

const SCRIPT = path.join(ROOT, 'scripts/ensure-system-deps.sh');
const ALL = ['python3-torch', 'python3-torchvision', 'python3-onnx', 'python3-numpy', 'python3-pytest', 'python3-pydicom'];
const tmp = tempDir('system-deps');
afterAll(() => tmp.cleanup());
let n = 0;

/** A machine: which packages are missing, the user's uid, whether apt exists and works, the interpreter's kind. */
interface Machine {
  missing: string[];
  uid?: number;
  apt?: 'works' | 'fails' | 'absent';
  kind?: 'system' | 'other';
  python?: boolean;
}

function stub(dir: string, name: string, body: string): void {
  const f = path.join(dir, name);
  writeFileSync(f, `#!/bin/bash\n${body}\n`);
  chmodSync(f, 0o755);
}

/** Runs the script on `m` (only the stand-ins on PATH) and returns its exit code, stderr and apt-get's calls. */
function run(m: Machine, env: Record<string, string> = {}) {
  const dir = path.join(tmp.dir, `m${n++}`);
  spawnSync('/bin/mkdir', ['-p', dir]);
  const state = (f: string) => path.join(dir, f);
  writeFileSync(state('missing'), m.missing.map((p) => `${p}\n`).join(''));
  writeFileSync(state('apt.log'), '');
  // The probe's answer: the interpreter's kind, then the missing packages (what find_spec finds).
  if (m.python !== false)
    stub(
      dir,
      'python3',
      `echo ${m.kind ?? 'system'}\n` +
        `while IFS= read -r l; do case "$l" in python3-*) echo "$l" ;; esac; done < '${state('missing')}'\nexit 0`,
    );
  stub(dir, 'id', `echo ${m.uid ?? 0}`);
  // dpkg -s PKG: installed unless listed as missing (the programs: chromium, dcmtk, orthanc…).
  stub(dir, 'dpkg', `while IFS= read -r l; do [ "$l" = "$2" ] && exit 1; done < '${state('missing')}'\nexit 0`);
  if ((m.apt ?? 'works') !== 'absent') {
    stub(
      dir,
      'apt-get',
      [
        `echo "$*" >> '${state('apt.log')}'`,
        `[ "$1" = update ] && exit 0`,
        m.apt === 'fails' ? 'exit 100' : '',
        // install: what it was given is no longer missing.
        'shift; keep=""; while IFS= read -r l; do hit=0; for a in "$@"; do [ "$a" = "$l" ] && hit=1; done; ' +
          `[ $hit = 0 ] && [ -n "$l" ] && keep+="$l"$'\\n'; done < '${state('missing')}'`,
        `printf '%s' "$keep" > '${state('missing')}'`,
      ].join('\n'),
    );
  }
  // EMBOLUS_PYTHON=python3 selects the stand-in on PATH over the default /usr/bin/python3.
  const r = spawnSync('/bin/bash', [SCRIPT], { env: { PATH: dir, EMBOLUS_PYTHON: 'python3', ...env }, encoding: 'utf8' });
  const apt = readFileSync(state('apt.log'), 'utf8').trim().split('\n').filter(Boolean);
  return { code: r.status, stderr: r.stderr, apt, stillMissing: readFileSync(state('missing'), 'utf8').trim().split('\n').filter(Boolean) };
}

describe('ensure-system-deps.sh', () => {
  it('passes without touching apt when every module is there', () => {
    const r = run({ missing: [] });
    expect(r.code).toBe(0);
    expect(r.apt).toEqual([]);
    expect(r.stderr).toMatch(/system packages: ok/);
  });

  it('installs exactly the missing packages with apt-get as root on Debian, then passes', () => {
    const r = run({ missing: ['python3-onnx', 'python3-pydicom'] });
    expect(r.code, r.stderr).toBe(0);
    expect(r.apt[0]).toMatch(/^update/);
    expect(r.apt[1]).toBe('install -y -qq --no-install-recommends python3-onnx python3-pydicom');
    expect(r.stillMissing).toEqual([]);
  });

  it('installs the programs the browser and DICOM tests drive (chromium, DCMTK, Orthanc) the same way', () => {
    const r = run({ missing: ['chromium', 'orthanc-dicomweb', 'python3-torch'] });
    expect(r.code, r.stderr).toBe(0);
    expect(
      r.apt
        .find((l) => l.startsWith('install'))
        ?.split(' ')
        .slice(-3)
        .sort(),
    ).toEqual(['chromium', 'orthanc-dicomweb', 'python3-torch']);
    expect(r.stillMissing).toEqual([]);
  });

  it('installs python3 and every package when there is no interpreter at all', () => {
    const r = run({ missing: [], python: false });
    // No python3 stand-in: the script finds none and asks apt for all of it (the check after fails, as no interpreter appears).
    expect(r.apt[1]).toBe(`install -y -qq --no-install-recommends python3 ${ALL.join(' ')}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/apt-get could not install them/);
  });

  it('as a user, fails and prints the sudo apt-get line to run, installing nothing', () => {
    const r = run({ missing: ['python3-torch', 'python3-torchvision'], uid: 1000 });
    expect(r.code).toBe(1);
    expect(r.apt).toEqual([]);
    expect(r.stderr).toContain('sudo apt-get install -y --no-install-recommends python3-torch python3-torchvision');
  });

  it('fails clearly when apt-get fails, or does not help', () => {
    const r = run({ missing: ['python3-torch'], apt: 'fails' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/apt-get could not install them/);
    expect(r.stderr).toContain('apt-get install -y --no-install-recommends python3-torch');
  });

  it('without apt-get, says which Python modules EMBOLUS_PYTHON needs', () => {
    const r = run({ missing: ['python3-torch'], apt: 'absent' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no apt-get here: give EMBOLUS_PYTHON a Python 3 with torch/);
  });

  it('never runs apt for a venv or pyenv interpreter, and names Debian’s instead', () => {
    const r = run({ missing: ['python3-torch'], kind: 'other' });
    expect(r.code).toBe(1);
    expect(r.apt).toEqual([]);
    expect(r.stderr).toContain('EMBOLUS_PYTHON=/usr/bin/python3 npm test');
  });

  it('only checks with EMBOLUS_SYSTEM_DEPS=check; skips with =skip; refuses other values', () => {
    const check = run({ missing: ['python3-numpy'] }, { EMBOLUS_SYSTEM_DEPS: 'check' });
    expect([check.code, check.apt]).toEqual([1, []]);
    const skip = run({ missing: ['python3-numpy'] }, { EMBOLUS_SYSTEM_DEPS: 'skip' });
    expect([skip.code, skip.apt]).toEqual([0, []]);
    expect(run({ missing: [] }, { EMBOLUS_SYSTEM_DEPS: 'maybe' }).code).toBe(1);
  });

  it('uses the interpreter EMBOLUS_PYTHON names', () => {
    const r = run({ missing: [] }, { EMBOLUS_PYTHON: 'no-such-python' });
    // Not found: everything is missing, python3 included.
    expect(r.apt[1]).toBe(`install -y -qq --no-install-recommends python3 ${ALL.join(' ')}`);
  });
});

describe('ensure-system-deps.sh with a real interpreter', () => {
  const debian = '/usr/bin/python3';
  const hasAll = existsSync(debian) && spawnSync(debian, ['-c', 'import torch, torchvision, onnx, numpy, pytest, pydicom']).status === 0;

  it.skipIf(!hasAll)('passes on Debian’s python3 with the packages installed', () => {
    const r = spawnSync('/bin/bash', [SCRIPT], {
      env: { PATH: process.env.PATH ?? '', EMBOLUS_PYTHON: debian, EMBOLUS_SYSTEM_DEPS: 'check' },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
  });

  it.skipIf(!existsSync(debian))('finds the modules missing from an interpreter without site-packages', () => {
    // The same interpreter with -S sees no dist-packages: torch and the others are missing.
    const bare = path.join(tmp.dir, 'python-no-site');
    writeFileSync(bare, `#!/bin/sh\nexec ${debian} -S "$@"\n`);
    chmodSync(bare, 0o755);
    const r = spawnSync('/bin/bash', [SCRIPT], {
      env: { PATH: process.env.PATH ?? '', EMBOLUS_PYTHON: bare, EMBOLUS_SYSTEM_DEPS: 'check' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/cannot use: .*python3-torch/);
    expect(r.stderr).not.toMatch(/cannot use: .*\bpython3 /);
  });
});
