/** Runs the real `embolus` executable (bin/embolus.mjs) in a child process. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const BIN = path.resolve(here, '../bin/embolus.mjs');
export const SHARED_DATA = process.env.EMBOLUS_SHARED_DATA ?? path.resolve(here, '../../../../shared/data');

export function embolus(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: opts.cwd, maxBuffer: 64 << 20, ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}) },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Reads a float32 .npy file written by the CLI. */
export function readNpy(bytes: Buffer): { shape: number[]; data: Float32Array } {
  if (bytes.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw new Error('not an npy file');
  const headerLen = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLen).toString('latin1');
  if (!header.includes("'descr': '<f4'")) throw new Error(`unexpected dtype in ${header}`);
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const start = 10 + headerLen;
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length));
  return { shape, data };
}
