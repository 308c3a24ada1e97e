/**
 * The CLI's usage error, apart from cli.ts so that commands (loaded by cli.ts) do not import
 * the module that loads them.
 */

/** Thrown by commands for bad arguments; exit code 1. */
export class UsageError extends Error {}
