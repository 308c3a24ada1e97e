// Browser stand-in for Node's fs and path: cornerstone's WASM codecs reference them only on Node (../shared/TOOLCHAIN.md §7).
export {};
