/**
 * The `embolus-api` command:
 *   embolus-api serve --port <p> --data <dir> [--host 127.0.0.1] [--workers <n>]
 *   embolus-api keys create --data <dir> --tenant <name> --role <role> [--label <text>]
 *   embolus-api keys create --data <dir> --role platform-runner [--label <text>]   (tenant @platform)
 *   embolus-api keys list --data <dir> --tenant <name>
 *   embolus-api keys revoke --data <dir> --tenant <name> --id <key id>
 *   embolus-api users create --data <dir> --tenant <name> --email <e> --role <clinician|quality|admin>
 *   embolus-api tenants create|update|list --data <dir> [--name <name>] [--pseudonym-regex <re>] [--dicom-ae <AE>[,<AE>…]]
 *   embolus-api dicom-listen --port <p> --ae <AE> --data <dir> [--host 127.0.0.1]
 *   embolus-api destinations add|list|remove … (DICOM result destinations, see cli-dicom.ts)
 *   embolus-api fsck --data <dir> [--repair] [--json]
 *   embolus-api dicomweb index --data <dir>   (search attributes of instances stored before DICOMweb)
 *
 * Exit codes: 0 success, 1 usage error, 2 a typed failure printed as `error CODE: message`,
 * 3 fsck found problems (without --repair) or problems remain (after --repair).
 * Only the requested value (a new key) goes to stdout; everything else to stderr.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PLATFORM_TENANT, ROLES, type Role } from '@embolus/db';
import { FolderBlobStore, formatFsckReport, fsck } from '@embolus/db/node';
import { isEmbolusError } from '@embolus/shared';
import { backfillSearchAttributes } from '../dicomweb/backfill';
import { parseConfig } from '../env';
import { compilePseudonym } from '../upload/inspect';
import { isClusterWorker, runPrimary } from './cluster';
import { need, UsageError, withStore } from './cli-common';
import { destinationsCommand, dicomListen, parseAeList, startDicomFromArgs } from './cli-dicom';
import { startServer } from './serve';
import { createUser, isUserRole } from './users-cli';

/** Exit code of `fsck` when problems were found (or remain after --repair). */
export const FSCK_PROBLEMS = 3;

const USAGE = `usage:
  embolus-api serve --port <p> --data <dir> [--host <ip>] [--workers <n>] [--dicom-port <p> --ae <AE>]
  embolus-api dicom-listen --port <p> --ae <AE> --data <dir> [--host <ip>]
      DICOM listener (C-ECHO, C-STORE of CT); calling AE titles map to tenants (--dicom-ae);
      studies are submitted after EMBOLUS_DICOM_QUIET_MS without a new instance
  embolus-api keys create --data <dir> --tenant <name> --role <${ROLES.filter((r) => r !== 'platform-runner').join('|')}> [--label <text>]
  embolus-api keys create --data <dir> --role platform-runner [--label <text>]
      a runner key that claims jobs of every tenant, round-robin by tenant; it belongs to the
      reserved tenant ${PLATFORM_TENANT} (list or revoke it with --tenant ${PLATFORM_TENANT})
  embolus-api keys list --data <dir> --tenant <name>
  embolus-api keys revoke --data <dir> --tenant <name> --id <key-id>
  embolus-api tenants create --data <dir> --name <name> [--pseudonym-regex <re>] [--dicom-ae <AE>[,<AE>…]]
  embolus-api tenants update --data <dir> --name <name> [--pseudonym-regex <re>] [--dicom-ae <AE>[,<AE>…]]
  embolus-api tenants list --data <dir>
  embolus-api users create --data <dir> --tenant <name> --email <email> --role <clinician|quality|admin>
      a dashboard account; the password is EMBOLUS_USER_PASSWORD, or generated and printed once
  embolus-api destinations add --data <dir> --tenant <name> --name <dest>
      (--dimse <host>:<port> --called-ae <AE> [--calling-ae <AE>] | --stow-url <url>)
  embolus-api destinations list --data <dir> --tenant <name>
  embolus-api destinations remove --data <dir> --tenant <name> --id <id>
  embolus-api fsck --data <dir> [--repair] [--json]
      checks the SQLite file (integrity_check), crash leftovers (*.tmp, blobs without rows) and
      every row's blob (missing, SHA-256 differs); --repair deletes old *.tmp, moves orphan and
      corrupt blobs to <dir>/quarantine/, removes rows whose blob is lost (saved to rows.jsonl,
      audited). Exit 0 clean, 3 problems found or remaining.
  embolus-api dicomweb index --data <dir>
      stores the DICOMweb search attributes of instances uploaded before DICOMweb search
      existed (each blob parsed once; resumable); prints {"indexed", "skipped"} as JSON

Embolus is research software: not for clinical use.`;

function args(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      workers: { type: 'string' },
      host: { type: 'string' },
      data: { type: 'string' },
      tenant: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      label: { type: 'string' },
      id: { type: 'string' },
      'pseudonym-regex': { type: 'string' },
      email: { type: 'string' },
      'dicom-ae': { type: 'string' },
      'dicom-port': { type: 'string' },
      ae: { type: 'string' },
      dimse: { type: 'string' },
      'called-ae': { type: 'string' },
      'calling-ae': { type: 'string' },
      'stow-url': { type: 'string' },
      repair: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
}

/** Runs the CLI and returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const { positionals, values: v } = args(argv);
    const [cmd, sub] = positionals;
    if (cmd === 'serve') {
      const port = Number(need(v.port, 'port'));
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0..65535');
      const dataDir = path.resolve(need(v.data, 'data'));
      const workers = Number(v.workers ?? '1');
      if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError('--workers must be 1..64');
      if (workers > 1 && !isClusterWorker()) return await runPrimary({ dataDir, port, host: v.host ?? '127.0.0.1', workers, argv });
      // A stray rejection in a background task is logged, never fatal: the server keeps serving.
      process.on('unhandledRejection', (e) =>
        process.stderr.write(`${JSON.stringify({ level: 'error', event: 'unhandled_rejection', error: (e as Error)?.message })}\n`),
      );
      // In a cluster the primary cleans crash leftovers once (cluster.ts).
      if (v['dicom-port'] !== undefined && workers > 1)
        throw new UsageError('--dicom-port needs --workers 1 (one listener per data folder)');
      const server = await startServer({ dataDir, port, ...(v.host ? { host: v.host } : {}), cleanLeftovers: !isClusterWorker() });
      if (!isClusterWorker())
        process.stderr.write(
          `embolus-api listening on http://${v.host ?? '127.0.0.1'}:${server.port} (data: ${dataDir}); not for clinical use\n`,
        );
      // One process writes the DICOM objects of results (SR, key images) and delivers them.
      if (!isClusterWorker() && v['dicom-port'] === undefined) server.runtime.startDicomOutput();
      const dicom =
        v['dicom-port'] !== undefined ? await startDicomFromArgs(server.runtime, { port: v['dicom-port'], ae: v.ae, host: v.host }) : null;
      await new Promise<void>((resolve) => {
        const stop = () => void (dicom ? dicom.close() : Promise.resolve()).then(() => server.close()).then(resolve);
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      // A cluster worker's IPC channel would keep it alive after the server closed.
      if (isClusterWorker()) process.disconnect?.();
      return 0;
    }
    if (cmd === 'dicom-listen') return await dicomListen(v);
    if (cmd === 'destinations') return await destinationsCommand(sub, v);
    if (cmd === 'keys' && sub === 'create') {
      const role = need(v.role, 'role');
      if (!(ROLES as readonly string[]).includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const platform = role === 'platform-runner';
      if (platform && v.tenant !== undefined && v.tenant !== PLATFORM_TENANT)
        throw new UsageError(`--role platform-runner keys belong to no tenant of their own: omit --tenant (or give ${PLATFORM_TENANT})`);
      if (!platform && v.tenant === PLATFORM_TENANT) throw new UsageError(`the ${PLATFORM_TENANT} tenant holds only platform-runner keys`);
      return await withStore(need(v.data, 'data'), async (store) => {
        const tenant = platform ? await store.tenants.ensurePlatform() : await store.tenants.ensure(need(v.tenant, 'tenant'));
        const { key, info } = await store.keys.create({ tenantId: tenant.id, role: role as Role, label: v.label ?? null });
        process.stdout.write(`${key}\n`);
        process.stderr.write(`created ${info.role} key ${info.prefix}… (id ${info.id}) for tenant ${tenant.name}\n`);
        return 0;
      });
    }
    if (cmd === 'keys' && (sub === 'list' || sub === 'revoke')) {
      return await withStore(need(v.data, 'data'), async (store) => {
        const tenant = await store.tenants.byName(need(v.tenant, 'tenant'));
        if (!tenant) throw new UsageError('no such tenant');
        if (sub === 'revoke') {
          if (!(await store.keys.revoke(tenant.id, need(v.id, 'id')))) throw new UsageError('no such active key');
          process.stderr.write('revoked\n');
          return 0;
        }
        for (const k of await store.keys.list(tenant.id))
          process.stdout.write(`${k.id}\t${k.role}\t${k.prefix}…\t${k.revokedAt ? 'revoked' : 'active'}\t${k.label ?? ''}\n`);
        return 0;
      });
    }
    if (cmd === 'tenants' && sub === 'create') {
      const regex = v['pseudonym-regex'];
      if (regex !== undefined && typeof compilePseudonym(regex) === 'string')
        throw new UsageError(`--pseudonym-regex: ${String(compilePseudonym(regex))}`);
      return await withStore(need(v.data, 'data'), async (store) => {
        const aes = v['dicom-ae'] !== undefined ? parseAeList(v['dicom-ae']) : null;
        // Checked before the tenant exists, so a taken AE title leaves nothing half-created.
        for (const ae of aes ?? [])
          if (await store.dicom.tenantForAe(ae)) throw new UsageError('--dicom-ae: an AE title is mapped to another tenant');
        const t = await store.tenants.create({ name: need(v.name, 'name'), pseudonymRegex: regex ?? null });
        if (aes) await store.dicom.setAeTitles(t.id, aes);
        process.stdout.write(`${t.id}\n`);
        return 0;
      });
    }
    if (cmd === 'tenants' && sub === 'update') {
      const regex = v['pseudonym-regex'];
      if (regex !== undefined && typeof compilePseudonym(regex) === 'string')
        throw new UsageError(`--pseudonym-regex: ${String(compilePseudonym(regex))}`);
      if (regex === undefined && v['dicom-ae'] === undefined) throw new UsageError('tenants update needs --pseudonym-regex or --dicom-ae');
      return await withStore(need(v.data, 'data'), async (store) => {
        const t = await store.tenants.byName(need(v.name, 'name'));
        if (!t) throw new UsageError('no such tenant');
        if (regex !== undefined) await store.tenants.setPseudonymRegex(t.id, regex === '' ? null : regex);
        if (v['dicom-ae'] !== undefined) await store.dicom.setAeTitles(t.id, parseAeList(v['dicom-ae']));
        process.stderr.write('updated\n');
        return 0;
      });
    }
    if (cmd === 'tenants' && sub === 'list') {
      return await withStore(need(v.data, 'data'), async (store) => {
        for (const t of await store.tenants.list())
          process.stdout.write(`${t.id}\t${t.name}\t${t.pseudonymRegex ?? ''}\t${(await store.dicom.aeTitles(t.id)).join(',')}\n`);
        return 0;
      });
    }
    if (cmd === 'users' && sub === 'create') {
      const role = need(v.role, 'role');
      if (!isUserRole(role)) throw new UsageError('--role must be one of clinician, quality, admin');
      const email = need(v.email, 'email');
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new UsageError('--email must be an email address');
      return await withStore(need(v.data, 'data'), async (store) => {
        const u = await createUser(store, {
          tenant: need(v.tenant, 'tenant'),
          email,
          role,
          password: process.env['EMBOLUS_USER_PASSWORD'],
        });
        if (u.generatedPassword) process.stdout.write(`${u.generatedPassword}\n`);
        process.stderr.write(
          `created ${u.role} user ${u.email} (id ${u.userId}) in tenant ${u.tenantName}` +
            `${u.generatedPassword ? '; the generated password above is shown once' : ''}\n`,
        );
        return 0;
      });
    }
    if (cmd === 'dicomweb' && sub === 'index') {
      const dataDir = path.resolve(need(v.data, 'data'));
      const report = await withStore(dataDir, (store) =>
        backfillSearchAttributes({
          store,
          blobs: new FolderBlobStore(path.join(dataDir, 'blobs')),
          maxInflatedBytes: parseConfig(process.env).maxInstanceBytes,
        }),
      );
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    }
    if (cmd === 'fsck') {
      const report = await fsck({
        dataDir: need(v.data, 'data'),
        repair: v.repair === true,
        graceMs: parseConfig(process.env).leftoverGraceMs,
      });
      process.stdout.write(v.json ? `${JSON.stringify(report, null, 2)}\n` : formatFsckReport(report));
      return report.problems === 0 ? 0 : FSCK_PROBLEMS;
    }
    throw new UsageError(cmd ? `unknown command '${[cmd, sub].filter(Boolean).join(' ')}'` : 'no command');
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`error USAGE: ${(e as Error).message}\n${USAGE}\n`);
      return 1;
    }
    process.stderr.write(isEmbolusError(e) ? `error ${e.code}: ${e.message}\n` : `error INTERNAL: ${(e as Error).message}\n`);
    return 2;
  }
}
