/**
 * Entry of the prebuilt CLI bundle (`bin/bundle.mjs` builds it into dist/ with esbuild): the
 * commands whose code needs no file beside its sources, so they run unchanged from one bundled
 * file, without tsx's start-up. The launcher sends every other command to the TypeScript sources.
 */
import { main, type CommandModule } from './cli';
import * as dicom from './commands/dicom';
import * as preprocess from './commands/preprocess';
import * as series from './commands/series';

const COMMANDS: Record<string, CommandModule> = { dicom, preprocess, series };

/** Commands this bundle runs. */
export const BUNDLED_COMMANDS = Object.keys(COMMANDS);

/** Runs one of BUNDLED_COMMANDS; returns the exit code. */
export function runBundled(argv: string[]): Promise<number> {
  return main(argv, async (name) => {
    const m = COMMANDS[name];
    if (!m) throw new Error(`'${name}' is not in the bundle`);
    return m;
  });
}
