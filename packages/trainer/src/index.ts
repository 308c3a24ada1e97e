/**
 * Running the Python trainer (`embolus_trainer`, beside this folder) as a child process: stdout
 * carries one JSON line per epoch or stage, stderr human logs. Both are streamed to the caller.
 * The `embolus train` command and the runner's training jobs both start it through here.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EmbolusError } from '@embolus/shared';

/** The folder that holds the `embolus_trainer` Python package (and its pyproject.toml). */
export const TRAINER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The Python interpreter for the trainer and the Python tools: the one setting `EMBOLUS_PYTHON`
 * (a command on PATH or a path). The default is Debian's `/usr/bin/python3` where it exists, since that
 * is the interpreter apt installs python3-torch & co. for (a pyenv or venv `python3` earlier on PATH
 * would not see them), else `python3` on PATH. It needs torch, torchvision, onnx and
 * numpy (Debian: python3-torch python3-torchvision python3-onnx python3-numpy); a GPU image or a
 * virtual environment points it elsewhere.
 */
/** Debian's interpreter, the one its python3-* packages install into. */
export const DEBIAN_PYTHON = '/usr/bin/python3';

export function pythonExecutable(env: NodeJS.ProcessEnv = process.env): string {
  return env.EMBOLUS_PYTHON?.trim() || (existsSync(DEBIAN_PYTHON) ? DEBIAN_PYTHON : 'python3');
}

/**
 * Runs `python -m embolus_trainer.<module> args…`, calling `onJson` for each JSON line on stdout.
 * Aborting `signal` sends the trainer SIGTERM (it resumes from its last checkpoint next time).
 */
export function runTrainerModule(
  module: string,
  args: string[],
  onJson: (line: Record<string, unknown>) => void,
  onLog: (text: string) => void = (t) => process.stderr.write(t),
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    // The trainer runs in the caller's folder, so relative paths in args mean what the user typed;
    // PYTHONPATH finds the embolus_trainer package.
    const pythonPath = [TRAINER_DIR, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter);
    const child = spawn(pythonExecutable(), ['-m', `embolus_trainer.${module}`, ...args], {
      cwd: process.cwd(),
      env: { ...process.env, PYTHONPATH: pythonPath, PYTHONUNBUFFERED: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const kill = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', kill, { once: true });
    child.on('exit', () => signal?.removeEventListener('abort', kill));
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl).trim();
        buffered = buffered.slice(nl + 1);
        if (!line) continue;
        try {
          onJson(JSON.parse(line) as Record<string, unknown>);
        } catch {
          onLog(line + '\n');
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (t: string) => onLog(t));
    child.on('error', (e) => reject(new EmbolusError('TRAINER_FAILED', `cannot start ${pythonExecutable()}: ${e.message}`, { cause: e })));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new EmbolusError('TRAINER_FAILED', `trainer module ${module} exited with ${signal ?? code}`, {
            details: { module, code, signal },
          }),
        );
    });
  });
}
