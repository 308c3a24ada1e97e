/**
 * The house width (biome.jsonc: 140 columns) holds for every line, not only for what the formatter
 * can break: long string literals, template literals, JSX text and comments are split by hand.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '@embolus/local-stack';

const MAX_COLUMNS = 140;
/** Written as they are: generated fixtures and model manifests (also outside Biome, biome.jsonc). */
const EXEMPT = [/(^|\/)test\/fixtures\//, /^models\//];

/** Tracked TypeScript, JavaScript and CSS files, relative to the repository root. */
function trackedSources(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--', '*.ts', '*.tsx', '*.mts', '*.mjs', '*.js', '*.css'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
  });
  return out.split('\0').filter((f) => f !== '' && !EXEMPT.some((re) => re.test(f)));
}

/** `file:line: columns` for each line wider than MAX_COLUMNS (columns counted as code points). */
function wideLines(files: readonly string[], read: (file: string) => string): string[] {
  const wide: string[] = [];
  for (const file of files) {
    read(file)
      .split('\n')
      .forEach((line, i) => {
        const columns = [...line.replace(/\r$/, '')].length;
        if (columns > MAX_COLUMNS) wide.push(`${file}:${i + 1}: ${columns}`);
      });
  }
  return wide;
}

describe('line width', () => {
  it(`no tracked source line is wider than ${MAX_COLUMNS} columns`, () => {
    const files = trackedSources();
    // The listing itself works: a broken pattern or cwd would pass with nothing to check.
    expect(files.length).toBeGreaterThan(300);
    expect(files).toContain('test/layout.test.ts');
    expect(wideLines(files, (f) => readFileSync(path.join(ROOT, f), 'utf8'))).toEqual([]);
  });

  it('counts code points, so a line of 140 with non-ASCII text passes and 141 fails', () => {
    const text: Record<string, string> = { a: `${'é'.repeat(140)}\n${'x'.repeat(139)}≥`, b: `ok\n${'–'.repeat(141)}\r\n` };
    expect(wideLines(['a', 'b'], (f) => text[f]!)).toEqual(['b:2: 141']);
  });
});
