/** Node-only file helpers for tests and benches. */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** Every .dcm file under `dir`, depth first, in sorted order at each level. */
export function dicomFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...dicomFiles(p));
    else if (name.endsWith('.dcm')) out.push(p);
  }
  return out;
}
