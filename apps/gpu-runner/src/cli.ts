/**
 * The `embolus` command line. Each subcommand lives in `src/commands/<name>.ts` and exports
 * `run(argv): Promise<number>` returning the exit code.
 *
 * Exit codes: 0 success, 1 usage error, 2 a typed failure printed as one line
 * `error CODE: message` on stderr (never a stack trace).
 */
import { isEmbolusError } from '@embolus/shared';

type Command = { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number> }> };

const COMMANDS: Record<string, Command> = {
  dicom: { summary: 'dicom info <file> | dicom hu <file>... (--out f.npy | --out-dir dir)', load: () => import('./commands/dicom') },
  series: { summary: 'series <dir> [--json] [--volume]: find, choose and decode a CT series', load: () => import('./commands/series') },
  eval: { summary: 'eval --predictions <csv> --labels <csv> [...]: AUROC, CIs, thresholds', load: () => import('./commands/eval') },
};

/** Prints usage to stderr. */
export function usage(): string {
  const lines = ['usage: embolus <command> [options]', '', 'commands:'];
  for (const [name, c] of Object.entries(COMMANDS)) lines.push(`  ${name.padEnd(8)} ${c.summary}`);
  lines.push('', 'Embolus is research software: not for clinical use.');
  return lines.join('\n');
}

/** Formats any thrown value as the CLI's one-line error. */
export function formatError(e: unknown): string {
  if (isEmbolusError(e)) return `error ${e.code}: ${e.message}`;
  if (e instanceof UsageError) return `error USAGE: ${e.message}`;
  const msg = e instanceof Error ? e.message : String(e);
  return `error INTERNAL: ${msg}`;
}

/** Thrown by commands for bad arguments; exit code 1. */
export class UsageError extends Error {}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stderr.write(usage() + '\n');
    return name ? 0 : 1;
  }
  const cmd = COMMANDS[name];
  if (!cmd) {
    process.stderr.write(`error USAGE: unknown command '${name}'\n${usage()}\n`);
    return 1;
  }
  try {
    const mod = await cmd.load();
    return await mod.run(rest);
  } catch (e) {
    process.stderr.write(formatError(e) + '\n');
    return e instanceof UsageError ? 1 : 2;
  }
}
