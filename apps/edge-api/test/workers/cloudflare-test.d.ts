// The parts of `cloudflare:test` these tests use. The pool's own typings need
// @cloudflare/workers-types, which this repository does not install.
declare module 'cloudflare:test' {
  export const env: import('../../src/worker').WorkerEnv & { TEST_MIGRATIONS: { name: string; queries: string[] }[] };
  export const SELF: { fetch(input: string, init?: RequestInit): Promise<Response> };
  export function applyD1Migrations(db: unknown, migrations: { name: string; queries: string[] }[]): Promise<void>;
}
