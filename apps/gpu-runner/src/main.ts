/**
 * `embolus-runner`, the job runner's program (bin/embolus-runner.mjs runs `main`).
 *
 * Flags fall back to the environment where a container sets them: EMBOLUS_API_URL,
 * EMBOLUS_RUNNER_KEY, EMBOLUS_WORK_DIR, EMBOLUS_DATA_ROOT, EMBOLUS_HEALTH_PORT, EMBOLUS_HEALTH_HOST.
 *
 * `embolus-runner --api <url> --key <runner-key> [--concurrency n] [--model-dir dir]…
 * [--health-port p]`: the long-lived job runner. SIGTERM/SIGINT drain it (running jobs finish
 * within --grace-seconds or are released); a second signal releases them at once.
 */
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_MODEL_DIR, type ExecutionProvider } from '@embolus/inference';
import { UsageError, cliExitCode, formatCliError } from '@embolus/shared';
import { jsonLogger, type Level } from './runner/log';
import { DEFAULT_MAX_STUDY_BYTES } from './runner/analysis';
import { Runner } from './runner/runner';

const KINDS = ['analysis', 'training', 'evaluation'] as const;

/** Parses the flags into runner options (exported for tests). */
export function parseRunnerArgs(argv: string[], env: NodeJS.ProcessEnv = process.env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      api: { type: 'string' },
      key: { type: 'string' },
      concurrency: { type: 'string', default: '1' },
      'model-dir': { type: 'string', multiple: true },
      'health-port': { type: 'string' },
      'health-host': { type: 'string' },
      'lease-seconds': { type: 'string', default: '60' },
      'poll-seconds': { type: 'string', default: '2' },
      'grace-seconds': { type: 'string', default: '60' },
      'work-dir': { type: 'string' },
      'data-root': { type: 'string' },
      kinds: { type: 'string', default: KINDS.join(',') },
      'min-slices': { type: 'string', default: '10' },
      'max-study-mib': { type: 'string', default: String(DEFAULT_MAX_STUDY_BYTES / 2 ** 20) },
      'no-cam': { type: 'boolean', default: false },
      'execution-provider': { type: 'string', default: 'auto' },
      threads: { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
    },
  });
  const api = values.api ?? env.EMBOLUS_API_URL;
  // The key may come from the environment so it never shows in `ps` output.
  const key = values.key ?? env.EMBOLUS_RUNNER_KEY;
  if (!api || !key)
    throw new UsageError(
      'usage: embolus-runner --api <url> --key <runner-key> (or EMBOLUS_API_URL / EMBOLUS_RUNNER_KEY) ' +
        '[--concurrency n] [--model-dir dir] [--health-port p]',
    );
  try {
    new URL(api);
  } catch {
    throw new UsageError(`--api must be a URL, got '${api}'`);
  }
  const num = (flag: string, v: string | undefined, min: number) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < min) throw new UsageError(`--${flag} takes a number ≥ ${min}`);
    return n;
  };
  const kinds = values.kinds!.split(',').map((k) => k.trim());
  for (const k of kinds)
    if (!(KINDS as readonly string[]).includes(k)) throw new UsageError(`--kinds takes a comma list of ${KINDS.join(', ')}`);
  const ep = values['execution-provider']!;
  if (!['auto', 'cpu', 'cuda'].includes(ep)) throw new UsageError('--execution-provider is auto, cpu or cuda');
  const level = values['log-level'] as Level;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError('--log-level is debug, info, warn or error');
  const threads = values.threads ? num('threads', values.threads, 1) : undefined;
  return {
    api,
    key,
    concurrency: Math.floor(num('concurrency', values.concurrency, 1)),
    kinds: kinds as (typeof KINDS)[number][],
    leaseSeconds: Math.floor(num('lease-seconds', values['lease-seconds'], 5)),
    pollMs: num('poll-seconds', values['poll-seconds'], 0.05) * 1000,
    graceMs: num('grace-seconds', values['grace-seconds'], 0) * 1000,
    modelDirs: values['model-dir']?.length ? values['model-dir'] : [DEMO_MODEL_DIR],
    workDir: path.resolve(values['work-dir'] ?? env.EMBOLUS_WORK_DIR ?? path.join(os.tmpdir(), 'embolus-runner')),
    dataRoot: path.resolve(values['data-root'] ?? env.EMBOLUS_DATA_ROOT ?? process.cwd()),
    minSlices: Math.floor(num('min-slices', values['min-slices'], 1)),
    maxStudyBytes: Math.floor(num('max-study-mib', values['max-study-mib'], 1) * 2 ** 20),
    cam: !values['no-cam'],
    ...((values['health-port'] ?? env.EMBOLUS_HEALTH_PORT) !== undefined
      ? { healthPort: Math.floor(num('health-port', values['health-port'] ?? env.EMBOLUS_HEALTH_PORT, 0)) }
      : {}),
    healthHost: values['health-host'] ?? env.EMBOLUS_HEALTH_HOST ?? '127.0.0.1',
    load: { executionProvider: ep as ExecutionProvider | 'auto', ...(threads ? { intraOpThreads: threads } : {}) },
    logLevel: level,
  };
}

const USAGE = `usage: embolus-runner --api <url> --key <runner-key> [options]

The Embolus job runner: claims analysis, training and evaluation jobs from the API.
Flags and environment variables: apps/gpu-runner/README.md. Not for clinical use.`;

/**
 * The program: prints usage for --help, else runs the runner; returns the exit code (0, 1 for a
 * usage error, 2 for a typed failure printed as one line, as the `embolus` CLI does).
 */
export async function main(argv: string[]): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stderr.write(USAGE + '\n');
    return 0;
  }
  try {
    return await run(argv);
  } catch (e) {
    process.stderr.write(formatCliError(e) + '\n');
    return cliExitCode(e);
  }
}

/** Runs the runner until a signal, then drains. */
export async function run(argv: string[]): Promise<number> {
  const { logLevel, ...o } = parseRunnerArgs(argv);
  const runner = new Runner({ ...o, logger: jsonLogger(logLevel) });
  let signals = 0;
  let stopped: Promise<void> | null = null;
  const onSignal = () => {
    signals++;
    // First signal: drain with the grace period; a second one: release running jobs now.
    stopped = runner.stop(signals > 1 ? 0 : o.graceMs);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await runner.start();
  // The workers end only when stop() was called (a signal or an unusable key).
  while (runner.state !== 'stopped') await new Promise((r) => setTimeout(r, 200));
  await stopped;
  process.off('SIGTERM', onSignal);
  process.off('SIGINT', onSignal);
  return runner.fatal ? 2 : 0;
}
