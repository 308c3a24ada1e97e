/**
 * The real stack for browser tests, started the `npm start` way (scripts/start.mjs) in a
 * temporary data folder and its own process group, plus chromium and small page helpers.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');
const CHROMIUM = process.env['EMBOLUS_CHROMIUM'] ?? '/usr/bin/chromium';

export interface Stack {
  url: string;
  work: string;
  output(): string;
  /** Ctrl-C to the process group; resolves with the exit code (SIGKILL after 30 s). */
  stop(): Promise<number | null | 'timeout'>;
}

/** Starts API, dashboard and one runner (demo model) with the given admin; `env` adds to the stack's environment. */
export async function startStack(admin: { email: string; password: string }, env: Record<string, string> = {}): Promise<Stack> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const work = mkdtempSync(path.join(tmpdir(), 'embolus-dash-'));
  let out = '';
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs')], {
    cwd: ROOT,
    detached: true,
    env: {
      ...process.env,
      PORT: '0',
      EMBOLUS_DATA_DIR: path.join(work, 'data'),
      EMBOLUS_ADMIN_EMAIL: admin.email,
      EMBOLUS_ADMIN_PASSWORD: admin.password,
      EMBOLUS_TENANT: 'hospital',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const t = setInterval(() => {
      const m = /Embolus is ready: (http:\/\/[0-9.:]+)\//.exec(out);
      if (m) clearInterval(t), resolve(m[1] as string);
      if (child.exitCode !== null) clearInterval(t), reject(new Error(`the stack exited: ${out}`));
    }, 100);
  });
  return {
    url,
    work,
    output: () => out,
    async stop() {
      try {
        if (child.exitCode !== null) return child.exitCode;
        const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
        process.kill(-(child.pid as number), 'SIGINT');
        const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000))]);
        if (code === 'timeout') process.kill(-(child.pid as number), 'SIGKILL');
        return code;
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
    },
  };
}

/** Creates a dashboard user in the stack's tenant with the API's CLI. */
export function createUser(
  stack: Stack,
  user: { email: string; password: string; role: 'clinician' | 'quality' | 'admin' },
  tenant = 'hospital',
): Promise<void> {
  return new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      [
        path.join(ROOT, 'apps/edge-api/bin/embolus-api.mjs'),
        'users',
        'create',
        '--data',
        path.join(stack.work, 'data/api'),
        '--tenant',
        tenant,
        '--email',
        user.email,
        '--role',
        user.role,
      ],
      { env: { ...process.env, EMBOLUS_USER_PASSWORD: user.password } },
      (err, _o, stderr) => (err ? reject(new Error(stderr)) : resolve()),
    ),
  );
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Signs in over HTTP (as a script would) and returns a caller that sends the cookie and CSRF token. */
export async function apiSession(url: string, email: string, password: string) {
  const res = await fetch(`${url}/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`sign-in ${res.status}: ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  return (method: string, p: string, json?: unknown) =>
    fetch(`${url}${p}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrfToken, ...(json !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
}

export async function signIn(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(`${url}/sign-in`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Worklist' }).waitFor();
}

export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** axe-core's serious and critical violations, one line each. */
export async function axe(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
}
