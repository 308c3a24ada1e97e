// The parts of `cloudflare:test` these tests use. The pool's own typings need
// @cloudflare/workers-types, which this repository does not install.
declare module 'cloudflare:test' {
  export const env: {
    DB: import('../../src/index').D1DatabaseLike;
    BUCKET: import('../../src/index').R2BucketLike;
    TEST_MIGRATIONS: { name: string; queries: string[] }[];
  };
  export function applyD1Migrations(db: unknown, migrations: { name: string; queries: string[] }[]): Promise<void>;
}
