/**
 * What every Embolus command line shares (the `embolus` CLI, `embolus-runner`): the usage error
 * and the one-line error format with its exit code. Here, in a package, so that neither program
 * imports the other and commands do not import the module that loads them.
 */
import { isEmbolusError } from './errors';

/** Thrown by commands for bad arguments; exit code 1. */
export class UsageError extends Error {}

/** Formats any thrown value as a command line's one-line error: `error CODE: message`. */
export function formatCliError(e: unknown): string {
  if (isEmbolusError(e)) return `error ${e.code}: ${e.message}`;
  if (e instanceof UsageError) return `error USAGE: ${e.message}`;
  const msg = e instanceof Error ? e.message : String(e);
  return `error INTERNAL: ${msg}`;
}

/** The exit code for a thrown value: 1 for a usage error, 2 for any other failure. */
export function cliExitCode(e: unknown): number {
  return e instanceof UsageError ? 1 : 2;
}
