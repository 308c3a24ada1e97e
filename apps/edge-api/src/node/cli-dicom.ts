/**
 * The DICOM subcommands of `embolus-api`: the listener (`dicom-listen`, or `serve --dicom-port`)
 * and result destinations (`destinations add|list|remove`).
 */
import path from 'node:path';
import { AE_TITLE_PATTERN, normalizeAeTitle } from '@embolus/db';
import { startDicomListener, type DicomListener } from '../dimse/listener';
import { need, UsageError, withStore } from './cli-common';
import { openNodeRuntime, type NodeRuntime } from './deps';

type Values = Record<string, string | boolean | undefined>;
const str = (v: Values, k: string): string | undefined => (typeof v[k] === 'string' ? (v[k] as string) : undefined);

/** `A,B , C` → validated AE titles. @throws UsageError naming the position of a bad one. */
export function parseAeList(list: string): string[] {
  const titles = list
    .split(',')
    .map(normalizeAeTitle)
    .filter((t) => t.length > 0);
  titles.forEach((t, i) => {
    if (!AE_TITLE_PATTERN.test(t))
      throw new UsageError(`--dicom-ae: AE title ${i + 1} must be 1–16 printable characters without backslash`);
  });
  return titles;
}

function parsePort(v: string | undefined, flag: string): number {
  const port = Number(need(v, flag));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--${flag} must be 0..65535`);
  return port;
}

function parseAe(v: string | undefined, flag: string): string {
  const ae = normalizeAeTitle(need(v, flag));
  if (!AE_TITLE_PATTERN.test(ae)) throw new UsageError(`--${flag} must be 1–16 printable characters without backslash`);
  return ae;
}

/** Starts the listener and the DICOM result worker over an open runtime (what `serve --dicom-port` does). */
export async function startDicomFromArgs(
  runtime: NodeRuntime,
  a: { port: string | undefined; ae: string | undefined; host: string | undefined },
): Promise<DicomListener> {
  const listener = await startDicomListener({
    deps: runtime.deps,
    port: parsePort(a.port, 'dicom-port'),
    aeTitle: parseAe(a.ae, 'ae'),
    ...(a.host ? { host: a.host } : {}),
  });
  runtime.startDicomOutput();
  process.stderr.write(
    `embolus-api DICOM listener on ${a.host ?? '127.0.0.1'}:${listener.port}, AE ${listener.aeTitle}; not for clinical use\n`,
  );
  return listener;
}

/** `embolus-api dicom-listen --port <p> --ae <AE> --data <dir> [--host <ip>]`: runs until SIGINT/SIGTERM. */
export async function dicomListen(v: Values): Promise<number> {
  const dataDir = path.resolve(need(str(v, 'data'), 'data'));
  const port = str(v, 'port');
  parsePort(port, 'port');
  parseAe(str(v, 'ae'), 'ae');
  const runtime = openNodeRuntime(dataDir);
  runtime.startDispatcher();
  let listener: DicomListener;
  try {
    listener = await startDicomFromArgs(runtime, { port, ae: str(v, 'ae'), host: str(v, 'host') });
  } catch (e) {
    await runtime.close();
    throw e;
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await listener.close();
  await runtime.close();
  return 0;
}

/** `embolus-api destinations add|list|remove`. */
export async function destinationsCommand(sub: string | undefined, v: Values): Promise<number> {
  return withStore(need(str(v, 'data'), 'data'), async (store) => {
    const tenant = await store.tenants.byName(need(str(v, 'tenant'), 'tenant'));
    if (!tenant) throw new UsageError('no such tenant');
    if (sub === 'add') {
      const name = need(str(v, 'name'), 'name');
      const dimseAddr = str(v, 'dimse');
      const stowUrl = str(v, 'stow-url');
      if ((dimseAddr === undefined) === (stowUrl === undefined))
        throw new UsageError('give exactly one of --dimse <host>:<port> or --stow-url <url>');
      let dest;
      if (dimseAddr !== undefined) {
        const m = /^(.+):(\d{1,5})$/.exec(dimseAddr);
        if (!m) throw new UsageError('--dimse must be <host>:<port>');
        const port = parsePort(m[2], 'dimse');
        const callingAe = str(v, 'calling-ae');
        dest = await store.dicom.createDestination(tenant.id, {
          name,
          kind: 'dimse',
          host: m[1]!,
          port,
          calledAe: parseAe(str(v, 'called-ae'), 'called-ae'),
          callingAe: callingAe === undefined ? null : parseAe(callingAe, 'calling-ae'),
        });
      } else {
        let url: URL;
        try {
          url = new URL(stowUrl!);
        } catch {
          throw new UsageError('--stow-url must be an absolute URL');
        }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--stow-url must be http(s)');
        dest = await store.dicom.createDestination(tenant.id, { name, kind: 'stow-rs', url: url.toString() });
      }
      process.stdout.write(`${dest.id}\n`);
      return 0;
    }
    if (sub === 'list') {
      for (const d of await store.dicom.destinations(tenant.id)) {
        const where = d.kind === 'dimse' ? `${d.host}:${d.port} ${d.calledAe}` : d.url;
        process.stdout.write(`${d.id}\t${d.name}\t${d.kind}\t${where}\t${d.active ? 'active' : 'inactive'}\n`);
      }
      return 0;
    }
    if (sub === 'remove') {
      if (!(await store.dicom.deactivateDestination(tenant.id, need(str(v, 'id'), 'id')))) throw new UsageError('no such destination');
      process.stderr.write('deactivated\n');
      return 0;
    }
    throw new UsageError(`unknown command 'destinations ${sub ?? ''}'`);
  });
}
