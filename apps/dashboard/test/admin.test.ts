/**
 * Administration and single sign-on in a real browser (issue 18), against the real stack
 * (scripts/start.mjs) and a LOCAL OpenID provider run by the test (oidc-provider on 127.0.0.1):
 * an admin configures the IdP on the admin page; "Sign in with …" goes through the provider's
 * login form and lands signed in as quality (group pe-quality); a person in no mapped group is
 * told why; an API key and an invitation link are shown once; a webhook delivery that failed
 * (a local receiver answering 500) is redelivered from the log and arrives; the audit log
 * downloads as CSV; a clinician gets a clear not-permitted state on /admin pages while the API
 * answers 403.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { writeDataset } from '@embolus/phantom';
import { dicomFiles } from '@embolus/testkit/files';
import { startLocalIdp, type LocalIdp } from '@embolus/testkit/oidc';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSession, axe, launchChromium, shot, signIn, startStack, type Stack } from './helpers/stack';

const ADMIN = { email: 'admin@hospital.test', password: 'a long admin password' };
const CLINICIAN = { email: 'doc@hospital.test', password: 'a long clinician password' };

let stack: Stack;
let idp: LocalIdp;
let browser: Browser;
/** A partner's webhook endpoint on loopback: answers `receiver.status`, keeps what arrived. */
const receiver = { status: 500, bodies: [] as string[] };
let hookServer: Server;
let studyId = '';

beforeAll(async () => {
  hookServer = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      receiver.bodies.push(body);
      res.writeHead(receiver.status).end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  // The stack may send webhooks to this loopback receiver over http (an on-premises allowance).
  process.env['EMBOLUS_WEBHOOK_ALLOW_HTTP'] = 'true';
  process.env['EMBOLUS_WEBHOOK_ALLOW_INTERNAL'] = '127.0.0.1/32';
  stack = await startStack(ADMIN);
  idp = await startLocalIdp({
    redirectUris: [`${stack.url}/v1/auth/oidc/callback`],
    people: {
      'q.person': { email: 'q.person@hospital.test', groups: ['staff', 'pe-quality'] },
      'no.group': { email: 'no.group@hospital.test', groups: ['staff'] },
    },
  });
  const admin = await apiSession(stack.url, ADMIN.email, ADMIN.password);
  const res = await admin('POST', '/v1/users', { email: CLINICIAN.email, role: 'clinician', password: CLINICIAN.password });
  if (res.status !== 201) throw new Error(`creating the clinician: ${res.status} ${await res.text()}`);
  const hook = await admin('POST', '/v1/webhooks', { url: `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/hook` });
  if (hook.status !== 201) throw new Error(`registering the webhook: ${hook.status} ${await hook.text()}`);
  // One phantom study analysed by the stack's runner: its result is the webhook event.
  const ds = await writeDataset({
    out: path.join(stack.work, 'phantom'),
    studies: 1,
    seed: 5,
    positiveRate: 1,
    indeterminateRate: 0,
    study: { preset: 'demo' },
  });
  const dir = path.join(ds.out, ds.studies[0]!.studyInstanceUid);
  studyId = ((await (await admin('POST', '/v1/studies', {})).json()) as { id: string }).id;
  const { key } = (await (await admin('POST', '/v1/keys', { role: 'clinician', label: 'test upload' })).json()) as { key: string };
  for (const f of dicomFiles(dir)) {
    const put = await fetch(`${stack.url}/v1/studies/${studyId}/instances/${path.basename(f, '.dcm')}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/dicom' },
      body: new Uint8Array(readFileSync(f)),
    });
    if (put.status !== 201) throw new Error(`upload ${put.status}`);
  }
  expect((await admin('POST', `/v1/studies/${studyId}/submit`)).status).toBe(202);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await idp?.stop();
  await new Promise((r) => hookServer?.close(r));
  const code = await stack?.stop();
  expect(code).not.toBe('timeout');
});

/** A fresh browser profile; the test IdP's page asks for a web font, refused (no network here). */
async function context(): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await ctx.route(/fonts\.googleapis\.com/, (r) => r.abort());
  return ctx;
}

/** Clicks "Sign in with …" and goes through the IdP's login and consent forms as `login`. */
async function signInWithIdp(page: Page, login: string): Promise<void> {
  await page.goto(`${stack.url}/sign-in`);
  await page.getByRole('link', { name: 'Sign in with Hospital Login' }).click();
  await page.waitForURL((u) => u.origin === idp.issuer);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await shot(page, 'admin-idp-login');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL((u) => u.origin === stack.url);
}

describe('administration in the browser', () => {
  it('the admin configures single sign-on on the admin page', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await signIn(page, stack.url, ADMIN.email, ADMIN.password);
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('link', { name: 'Single sign-on' }).first().click();
    await page.getByLabel('Button text: “Sign in with …”').fill('Hospital Login');
    await page.getByLabel('Issuer URL').fill(idp.issuer);
    await page.getByLabel('Client ID').fill(idp.clientId);
    await page.getByLabel(/^Client secret/).fill(idp.clientSecret);
    await page.getByLabel('Scopes').fill('openid email groups');
    await page.getByLabel('Group', { exact: true }).fill('pe-quality');
    await page.getByLabel('Role', { exact: true }).selectOption('quality');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved. The identity provider answered').waitFor();
    await page.getByText(`${stack.url}/v1/auth/oidc/callback`).waitFor();
    await shot(page, 'admin-sso');
    expect(await axe(page)).toEqual([]);

    // An API key is shown once, with the warning; the list shows its prefix only.
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByLabel('Label').fill('PACS bridge');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.getByLabel('New API key').inputValue();
    expect(key).toMatch(/^emb_/);
    await page.getByText('It is shown only once').waitFor();
    await shot(page, 'admin-keys');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.locator('body').innerText()).not.toContain(key);

    // An invitation gives a one-time link.
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Email').fill('invited@hospital.test');
    await page.getByRole('button', { name: 'Invite' }).click();
    const link = await page.getByLabel('Invitation link for invited@hospital.test').inputValue();
    expect(link).toMatch(/\/set-password#token=emp_/);
    await shot(page, 'admin-users');
    expect(await axe(page)).toEqual([]);
    // The invitee opens the link in their own browser, chooses a password and signs in.
    const invitee = await context();
    const ip = await invitee.newPage();
    await ip.goto(link);
    await ip.getByLabel('New password').fill('invitee long password');
    await ip.getByLabel('Repeat it').fill('invitee long password');
    await ip.getByRole('button', { name: 'Set password' }).click();
    await ip.getByText('Your password is set for invited@hospital.test.').waitFor();
    expect(ip.url()).not.toContain('token=');
    await shot(ip, 'admin-set-password');
    await signIn(ip, stack.url, 'invited@hospital.test', 'invitee long password');
    await invitee.close();

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action').fill('sso.create');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('cell', { name: 'sso.create' }).waitFor();
    await shot(page, 'admin-audit');
    expect(await axe(page)).toEqual([]);
    await ctx.close();
  });

  it('a failed webhook delivery is redelivered from the log and arrives', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await signIn(page, stack.url, ADMIN.email, ADMIN.password);
    // The result's delivery reaches the receiver, which answers 500.
    for (let i = 0; i < 240 && receiver.bodies.length === 0; i++) await new Promise((r) => setTimeout(r, 500));
    expect(receiver.bodies).toHaveLength(1);
    await page.goto(`${stack.url}/admin/webhooks`);
    const failed = page.getByRole('row').filter({ hasText: 'HTTP 500' });
    await failed.waitFor();
    receiver.status = 200;
    await failed.getByRole('button', { name: 'Redeliver' }).click();
    await page.getByText('queued again').waitFor();
    for (let i = 0; i < 40 && receiver.bodies.length < 2; i++) await new Promise((r) => setTimeout(r, 250));
    expect(receiver.bodies).toHaveLength(2);
    expect(receiver.bodies[1]).toBe(receiver.bodies[0]);
    expect(JSON.parse(receiver.bodies[1] as string)).toMatchObject({ event: 'study.result', studyId });
    // The log shows the new delivery as delivered (the dispatcher records it just after sending).
    const delivered = page.getByRole('cell', { name: 'delivered', exact: true });
    for (let i = 0; i < 20 && (await delivered.count()) === 0; i++) {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(250);
    }
    await delivered.waitFor();
    await shot(page, 'admin-webhooks');

    // The audit log, filtered to the redelivery, downloads as CSV.
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action').fill('webhook.redeliver');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('cell', { name: 'webhook.redeliver' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export CSV' }).click()]);
    const csv = readFileSync(await download.path(), 'utf8')
      .trimEnd()
      .split('\r\n');
    expect(csv[0]).toBe('id,at,actor,role,action,studyId,detail');
    expect(csv.slice(1).map((l) => l.split(',')[4])).toEqual(['webhook.redeliver']);
    await ctx.close();
  });

  it('"Sign in with …" goes through the local IdP and lands signed in as quality', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await signInWithIdp(page, 'q.person');
    await page.getByRole('heading', { name: 'Worklist' }).waitFor();
    await expect(page.locator('.user__email').innerText()).resolves.toBe('q.person@hospital.test');
    expect(await page.locator('.user__role').innerText()).toMatch(/^quality ·/i);
    const who = await page.evaluate(async () => (await (await fetch('/v1/auth/session')).json()) as { user: { role: string } });
    expect(who.user.role).toBe('quality');
    await shot(page, 'admin-sso-signed-in-quality');
    await ctx.close();
  });

  it('a person in no mapped group is refused with a clear message', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await signInWithIdp(page, 'no.group');
    await page.getByRole('alert').filter({ hasText: 'not in a group that may use Embolus' }).waitFor();
    await shot(page, 'admin-sso-refused');
    await ctx.close();
  });

  it('a clinician gets a clear not-permitted state on /admin pages, and the API answers 403', async () => {
    const ctx = await context();
    const page = await ctx.newPage();
    await signIn(page, stack.url, CLINICIAN.email, CLINICIAN.password);
    expect(await page.getByRole('link', { name: 'Administration' }).count()).toBe(0);
    for (const p of ['/admin', '/admin/users', '/admin/keys', '/admin/webhooks', '/admin/audit', '/admin/sso']) {
      await page.goto(`${stack.url}${p}`);
      await page.getByRole('heading', { name: 'Not permitted' }).waitFor();
      expect(await page.getByRole('table').count(), p).toBe(0);
    }
    await shot(page, 'admin-clinician-not-permitted');
    const statuses = await page.evaluate(async () =>
      Promise.all(
        ['/v1/users', '/v1/keys', '/v1/audit', '/v1/audit/export.csv', '/v1/tenant/sso'].map(async (p) => (await fetch(p)).status),
      ),
    );
    expect(statuses).toEqual([403, 403, 403, 403, 403]);
    await ctx.close();
  });
});
