/**
 * Two rules of the repository's layout (root README, development notes), checked over the tree:
 * apps never import apps (what two programs need lives in a package), and a package's Node-only
 * `./node` export is always `src/node/index.ts`, an index that only re-exports.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '@embolus/local-stack';

const APPS = readdirSync(path.join(ROOT, 'apps')).filter((a) => statSync(path.join(ROOT, 'apps', a)).isDirectory());
const appPackage = (a: string) => (JSON.parse(readFileSync(path.join(ROOT, 'apps', a, 'package.json'), 'utf8')) as { name: string }).name;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (['node_modules', 'dist', 'out', '.next', 'test-artifacts'].includes(e.name)) return [];
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.(ts|tsx|mts|mjs|js)$/.test(e.name) ? [p] : [];
  });
}

/** The module specifiers a source file imports (static, dynamic and re-exports). */
const specifiers = (text: string) => [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)].map((m) => m[1]!);

describe('repository layout', () => {
  it('no app imports another app', () => {
    const names = new Map(APPS.map((a) => [appPackage(a), a]));
    const found: string[] = [];
    for (const app of APPS) {
      for (const file of sources(path.join(ROOT, 'apps', app))) {
        for (const spec of specifiers(readFileSync(file, 'utf8'))) {
          const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : undefined;
          const target =
            pkg && names.has(pkg)
              ? names.get(pkg)!
              : spec.startsWith('.')
                ? path.relative(path.join(ROOT, 'apps'), path.resolve(path.dirname(file), spec)).split(path.sep)[0]
                : undefined;
          if (target && target !== app && APPS.includes(target)) found.push(`${path.relative(ROOT, file)} → ${spec}`);
        }
      }
    }
    expect(found).toEqual([]);
  });

  it("every package's ./node export is src/node/index.ts, which only re-exports", () => {
    const layouts: Record<string, string> = {};
    for (const p of readdirSync(path.join(ROOT, 'packages'))) {
      const manifest = path.join(ROOT, 'packages', p, 'package.json');
      let exports: Record<string, string> | undefined;
      try {
        exports = (JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, string> }).exports;
      } catch {
        continue;
      }
      const node = exports?.['./node'];
      if (!node) continue;
      layouts[p] = node;
      if (node !== './src/node/index.ts') continue;
      const code = readFileSync(path.join(ROOT, 'packages', p, node), 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/^\s*\/\/.*$/gm, '');
      const statements = code
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean);
      for (const s of statements) expect({ p, s }).toEqual({ p, s: expect.stringMatching(/^export (?:\*|\{[^}]*\}) from '\.\/[\w-]+'$/) });
    }
    expect(Object.keys(layouts).length).toBeGreaterThanOrEqual(3);
    for (const [p, node] of Object.entries(layouts)) expect({ p, node }).toEqual({ p, node: './src/node/index.ts' });
  });
});
