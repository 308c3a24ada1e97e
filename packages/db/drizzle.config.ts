import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate` writes the SQL migrations into ./drizzle; they are committed and
// applied by the Node driver (drizzle migrator) and by `wrangler d1 migrations apply`.
export default defineConfig({ dialect: 'sqlite', schema: './src/schema.ts', out: './drizzle' });
