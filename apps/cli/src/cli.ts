/**
 * The `embolus` command line. Each subcommand lives in `src/commands/<name>.ts` and exports
 * `run(argv): Promise<number>` returning the exit code.
 *
 * Exit codes: 0 success, 1 usage error, 2 a typed failure printed as one line
 * `error CODE: message` on stderr (never a stack trace).
 */
import { UsageError, cliExitCode, formatCliError } from '@embolus/shared';

export type CommandModule = { run: (argv: string[]) => Promise<number> };

/** Subcommands by name; each is `src/commands/<name>.ts`, loaded only when used. */
const COMMANDS: Record<string, { summary: string }> = {
  dicom: { summary: 'dicom info <file> | dicom hu <file>... (--out f.npy | --out-dir dir)' },
  series: { summary: 'series <dir> [--json] [--volume]: find, choose and decode a CT series' },
  phantom: { summary: 'phantom --out <dir> --studies N --seed S [--positive-rate p] [--rsna-layout]' },
  preprocess: { summary: 'preprocess <series-dir> --out <dir>: model input windows and metadata' },
  cache: { summary: 'cache <rsna-layout-dir> --out <cache-dir> [--split train:val:test]' },
  analyze: { summary: 'analyze <series-dir|study-dir> [--model <dir>] [--json]: run the model on a study' },
  train: { summary: 'train demo|<phase> …: run the trainer phases with progress' },
  eval: { summary: 'eval --predictions <csv> --labels <csv> [...]: AUROC, CIs, thresholds' },
};

async function loadSource(name: string): Promise<CommandModule> {
  // A computed path keeps each command's dependencies out of start-up until it is used.
  const file = `./commands/${name}.ts`;
  return (await import(file)) as CommandModule;
}

/** Prints usage to stderr. */
export function usage(): string {
  const lines = ['usage: embolus <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(8)} ${c.summary}`);
  lines.push('', 'Embolus is research software: not for clinical use.');
  return lines.join('\n');
}

/** Formats any thrown value as the CLI's one-line error (shared with `embolus-runner`). */
export const formatError = formatCliError;

/**
 * The job runner is its own program (apps/gpu-runner, `embolus-runner`): the CLI does not import
 * it, so `embolus runner` only says where it went.
 */
const MOVED: Record<string, string> = {
  runner: 'the job runner is its own program now: embolus-runner --api <url> --key <runner-key> [...] (npx embolus-runner --help)',
};

export { UsageError };

/**
 * Runs the CLI and returns the exit code. `load` finds a command's module (the prebuilt bundle
 * passes its own, see `bundled.ts`).
 */
export async function main(argv: string[], load: (name: string) => Promise<CommandModule> = loadSource): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stderr.write(usage() + '\n');
    return name ? 0 : 1;
  }
  const moved = MOVED[name];
  if (moved) {
    process.stderr.write(`error USAGE: ${moved}\n`);
    return 1;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`error USAGE: unknown command '${name}'\n${usage()}\n`);
    return 1;
  }
  try {
    const mod = await load(name);
    return await mod.run(rest);
  } catch (e) {
    process.stderr.write(formatError(e) + '\n');
    return cliExitCode(e);
  }
}
