/**
 * Loading the Emscripten WASM codecs (@cornerstonejs/codec-*). Each codec is compiled once
 * per process. Where the bytes come from is pluggable: Node reads the .wasm shipped in the
 * npm package; Cloudflare Workers cannot compile WASM from bytes at run time, so a Worker
 * registers modules it imported statically with `setWasmModuleProvider`.
 */
import { DicomError } from '../errors';

/** The WASM codecs this package uses, by the npm package and export that hold them. */
export const WASM_CODECS = {
  openjpeg: { pkg: '@cornerstonejs/codec-openjpeg', js: 'decodewasmjs', wasm: 'decodewasm' },
  charls: { pkg: '@cornerstonejs/codec-charls', js: 'decodewasmjs', wasm: 'decodewasm' },
  openjph: { pkg: '@cornerstonejs/codec-openjph', js: 'wasmjs', wasm: 'wasm' },
} as const;

export type WasmCodecName = keyof typeof WASM_CODECS;

// The WebAssembly global exists in Node, Workers and browsers, but its types live in the DOM
// lib; naming only what is used keeps every consumer free of DOM typings.
/** A compiled CompiledWasm (opaque here). */
export type CompiledWasm = object;
interface WasmGlobal {
  compile(bytes: Uint8Array): Promise<CompiledWasm>;
  instantiate(module: CompiledWasm, imports: object): Promise<object>;
}
const WASM = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

/** Supplies the Emscripten factory and compiled module of a codec. */
export type WasmModuleProvider = (name: WasmCodecName) => Promise<{ factory: EmscriptenFactory; module: CompiledWasm }>;

/**
 * A decoder object of the codec modules' embind API (charls' JpegLSDecoder, openjpeg's
 * J2KDecoder, openjph's HTJ2KDecoder): the calls we make on it.
 */
export interface EmbindDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  getDecodedBuffer(): Uint8Array;
}

/** An instantiated codec module: the decoder classes it exports (each module has one of them). */
export interface WasmCodecModule {
  J2KDecoder?: new () => EmbindDecoder;
  JpegLSDecoder?: new () => EmbindDecoder;
  HTJ2KDecoder?: new () => EmbindDecoder;
}

/** The Emscripten factory of a codec package: instantiates its module. */
export type EmscriptenFactory = (opts: Record<string, unknown>) => Promise<WasmCodecModule>;

let provider: WasmModuleProvider | undefined;
const instances = new Map<WasmCodecName, Promise<WasmCodecModule>>();
// Compiling a codec takes tens of milliseconds; instantiating a compiled module is cheap.
const compiled = new Map<WasmCodecName, Promise<{ factory: EmscriptenFactory; module: CompiledWasm }>>();

/** Replaces how codec modules are found (used by the Workers build). Clears loaded instances. */
export function setWasmModuleProvider(p: WasmModuleProvider): void {
  provider = p;
  instances.clear();
  compiled.clear();
}

async function nodeProvider(name: WasmCodecName): Promise<{ factory: EmscriptenFactory; module: CompiledWasm }> {
  const { createRequire } = await import('node:module');
  const { readFile } = await import('node:fs/promises');
  const require = createRequire(import.meta.url);
  const spec = WASM_CODECS[name];
  const factory = require(`${spec.pkg}/${spec.js}`) as EmscriptenFactory;
  const module = await WASM.compile(await readFile(require.resolve(`${spec.pkg}/${spec.wasm}`)));
  return { factory, module };
}

/**
 * Forgets a codec instance. Called after a decode failure: an Emscripten module that aborted
 * (a corrupt codestream can do that) refuses every later call, so the next decode starts fresh.
 */
export function resetWasmCodec(name: WasmCodecName): void {
  instances.delete(name);
}

/** Returns the (cached) instantiated Emscripten module of a codec. */
export function loadWasmCodec(name: WasmCodecName): Promise<WasmCodecModule> {
  let p = instances.get(name);
  if (!p) {
    p = (async () => {
      try {
        let c = compiled.get(name);
        if (!c) {
          c = (provider ?? nodeProvider)(name);
          compiled.set(name, c);
          c.catch(() => compiled.delete(name));
        }
        const { factory, module } = await c;
        return await factory({
          // The codecs log progress ([INFO] lines) to stdout; a CLI that prints JSON must stay clean.
          print: () => {},
          printErr: () => {},
          instantiateWasm(imports: object, done: (i: object, m: CompiledWasm) => void) {
            void WASM.instantiate(module, imports).then((inst) => done(inst, module));
            return {};
          },
        });
      } catch (e) {
        instances.delete(name);
        throw new DicomError('DECODE_FAILED', `cannot load the ${name} codec: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
      }
    })();
    instances.set(name, p);
  }
  return p;
}
