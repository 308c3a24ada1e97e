/**
 * Orthanc (Debian `orthanc` + `orthanc-dicomweb`) as the hospital PACS in tests: started on free
 * loopback ports with a temporary configuration and storage, stopped by the test. REST access
 * is limited to localhost and needs no credentials.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '@embolus/testkit/dcmtk';

export const ORTHANC_BIN = '/usr/sbin/Orthanc';
export const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/** A running Orthanc. */
export interface Orthanc {
  url: string;
  dicomPort: number;
  aet: string;
  get<T>(p: string): Promise<T>;
  post<T>(p: string, body: unknown, contentType?: string): Promise<T>;
  stop(): Promise<void>;
}

/** Starts Orthanc with `modalities` (name → [AET, host, port]) and waits until its REST API answers. */
export async function startOrthanc(dir: string, modalities: Record<string, [string, string, number]>): Promise<Orthanc> {
  mkdirSync(path.join(dir, 'storage'), { recursive: true });
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const aet = 'ORTHANC';
  const config = {
    Name: 'embolus-test-pacs',
    StorageDirectory: path.join(dir, 'storage'),
    IndexDirectory: path.join(dir, 'storage'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: aet,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomModalities: modalities,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
    // Offline: no remote lookups, no telemetry.
    HttpsVerifyPeers: false,
  };
  const file = path.join(dir, 'orthanc.json');
  writeFileSync(file, JSON.stringify(config));
  const child: ChildProcess = spawn(ORTHANC_BIN, [file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr = (stderr + t).slice(-4000)));
  const url = `http://127.0.0.1:${httpPort}`;
  const end = Date.now() + 30_000;
  for (;;) {
    try {
      const r = await fetch(`${url}/system`);
      if (r.ok) break;
    } catch {
      // not up yet
    }
    if (child.exitCode !== null || Date.now() > end) throw new Error(`Orthanc did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const call = async <T>(method: string, p: string, body?: unknown, contentType = 'application/json'): Promise<T> => {
    const init: RequestInit = { method };
    if (body !== undefined) {
      init.body = (body instanceof Uint8Array ? body : typeof body === 'string' ? body : JSON.stringify(body)) as RequestInit['body'];
      init.headers = { 'content-type': contentType };
    }
    const r = await fetch(url + p, init);
    if (!r.ok) throw new Error(`Orthanc ${method} ${p}: HTTP ${r.status} ${await r.text()}`);
    return (await r.json()) as T;
  };
  return {
    url,
    dicomPort,
    aet,
    get: (p) => call('GET', p),
    post: (p, body, ct) => call('POST', p, body, ct),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
