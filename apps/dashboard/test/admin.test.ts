/**
 * Administration and single sign-on in a real browser (issue 18), against the real stack
 * (scripts/start.mjs) and a LOCAL OpenID provider run by the test (oidc-provider on 127.0.0.1):
 * an admin configures the IdP on the admin page; "Sign in with …" goes through the provider's
 * login form and lands signed in as quality (group pe-quality); a person in no mapped group is
 * told why; an API key and an invitation link are shown once; a clinician gets a clear
 * not-permitted state on /admin pages while the API answers 403.
 */
import { startLocalIdp, type LocalIdp } from '@embolus/testkit/oidc';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSession, launchChromium, shot, signIn, startStack, type Stack } from './helpers/stack';

const ADMIN = { email: 'admin@hospital.test', password: 'a long admin password' };
const CLINICIAN = { email: 'doc@hospital.test', password: 'a long clinician password' };

let stack: Stack;
let idp: LocalIdp;
let browser: Browser;

beforeAll(async () => {
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
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await idp?.stop();
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
    expect(await page.getByLabel('Invitation link for invited@hospital.test').inputValue()).toMatch(/\/set-password#token=emp_/);
    await shot(page, 'admin-users');

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByLabel('Action').fill('sso.create');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByRole('cell', { name: 'sso.create' }).waitFor();
    await shot(page, 'admin-audit');
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
      Promise.all(['/v1/users', '/v1/keys', '/v1/audit', '/v1/audit/export.csv', '/v1/tenant/sso'].map(async (p) => (await fetch(p)).status)),
    );
    expect(statuses).toEqual([403, 403, 403, 403, 403]);
    await ctx.close();
  });
});
