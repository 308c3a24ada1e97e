/**
 * Creates an API key in the Workers D1 database (local by default) and prints it on stdout:
 *   npx tsx scripts/workers-key.ts --tenant <name> --role <role> [--remote]
 *   npx tsx scripts/workers-key.ts --role platform-runner [--remote]     (tenant @platform)
 * The tenant is created when missing. Only the key's SHA-256 is stored, as on Node. The rules
 * of KeyRepo.create hold: platform-runner keys only in @platform, no other role there.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { newId, PLATFORM_TENANT, randomToken, ROLES, sha256Hex } from '@embolus/db';

const { values } = parseArgs({
  options: { tenant: { type: 'string' }, role: { type: 'string' }, label: { type: 'string' }, remote: { type: 'boolean', default: false } },
});
if (values.role === 'platform-runner') values.tenant ??= PLATFORM_TENANT;
const platformMismatch =
  (values.role === 'platform-runner') !== (values.tenant === PLATFORM_TENANT) ||
  (values.tenant?.startsWith('@') && values.tenant !== PLATFORM_TENANT);
if (!values.tenant || !values.role || !(ROLES as readonly string[]).includes(values.role) || platformMismatch) {
  process.stderr.write(
    `usage: workers-key --tenant <name> --role <${ROLES.filter((r) => r !== 'platform-runner').join('|')}> [--label <text>] [--remote]\n`,
  );
  process.stderr.write(
    `       workers-key --role platform-runner [--label <text>] [--remote]   (tenant ${PLATFORM_TENANT}, which holds no other role)\n`,
  );
  process.exit(1);
}
/** SQL string literal (single quotes doubled). */
const lit = (s: string | null) => (s === null ? 'NULL' : `'${s.replace(/'/g, "''")}'`);
const key = `emb_${randomToken(24)}`;
const now = Date.now();
const sql =
  'INSERT OR IGNORE INTO tenants (id, name, pseudonym_regex, worklist_version, created_at) ' +
  `VALUES (${lit(newId())}, ${lit(values.tenant)}, NULL, 0, ${now}); ` +
  'INSERT INTO api_keys (id, tenant_id, role, key_hash, prefix, label, created_at) ' +
  `SELECT ${lit(newId())}, id, ${lit(values.role)}, ${lit(await sha256Hex(key))}, ` +
  `${lit(key.slice(0, 12))}, ${lit(values.label ?? null)}, ${now} ` +
  `FROM tenants WHERE name = ${lit(values.tenant)};`;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
execFileSync(
  process.execPath,
  [
    path.join(root, '../../node_modules/wrangler/bin/wrangler.js'),
    'd1',
    'execute',
    'DB',
    values.remote ? '--remote' : '--local',
    '--command',
    sql,
  ],
  {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  },
);
process.stdout.write(`${key}\n`);
