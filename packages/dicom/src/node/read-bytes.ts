/** Reading a file as bytes (apart from files.ts so parallel-volume.ts can use it without a cycle). */
import { readFile } from 'node:fs/promises';

/** Reads a file as a Uint8Array. */
export async function readBytes(file: string): Promise<Uint8Array> {
  const b = await readFile(file);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
