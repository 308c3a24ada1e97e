'use client';
/**
 * Single sign-on settings (admin): the organisation's OpenID Connect provider, the claim that
 * carries groups and the group-to-role table. A person none of whose groups is listed is refused.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { AdminFrame, when } from '@/components/admin/AdminFrame';
import { useErrorState } from '@/components/common/Notice';
import { ErrorNotice } from '@/components/common/Notice';
import { Options } from '@/components/common/Options';
import { Shell } from '@/components/Shell';
import { api } from '@/lib/api';
import type { UserRole } from '@/lib/types';

interface Settings {
  configured: boolean;
  redirectUri: string;
  displayName: string | null;
  issuer: string | null;
  clientId: string | null;
  clientSecretSet: boolean;
  scopes: string;
  groupClaim: string;
  roleMap: { group: string; role: UserRole }[];
  enabled: boolean;
  updatedAt: string | null;
}
const ROLES: UserRole[] = ['clinician', 'quality', 'admin'];

function Sso() {
  const [s, setS] = useState<Settings | null>(null);
  const [secret, setSecret] = useState('');
  const { error, setError, fail } = useErrorState();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api<Settings>('/v1/tenant/sso')
      .then((r) => setS({ ...r, roleMap: r.roleMap.length > 0 ? r.roleMap : [{ group: '', role: 'clinician' }] }))
      .catch((e) => fail(e, 'The settings could not be loaded.'));
  }, [fail]);
  if (!s)
    return (
      <AdminFrame title="Single sign-on">
        {error ? <p className="alert alert--error">{error}</p> : <p className="muted">Loading…</p>}
      </AdminFrame>
    );

  const set = <K extends keyof Settings>(k: K, v: Settings[K]) => setS({ ...s, [k]: v });
  const setRow = (i: number, row: { group: string; role: UserRole }) =>
    set(
      'roleMap',
      s.roleMap.map((r, j) => (j === i ? row : r)),
    );

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!s) return;
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const r = await api<Settings>('/v1/tenant/sso', {
        method: 'PUT',
        json: {
          displayName: s.displayName ?? '',
          issuer: s.issuer ?? '',
          clientId: s.clientId ?? '',
          ...(secret ? { clientSecret: secret } : {}),
          scopes: s.scopes,
          groupClaim: s.groupClaim,
          roleMap: s.roleMap.filter((m) => m.group.trim()).map((m) => ({ ...m, group: m.group.trim() })),
          enabled: s.enabled,
        },
      });
      setS(r);
      setSecret('');
      setSaved(true);
    } catch (err) {
      fail(err, 'The settings could not be saved.');
    } finally {
      setBusy(false);
    }
  }

  return (
    <AdminFrame
      title="Single sign-on"
      intro="Sign-in through your hospital’s identity provider (OpenID Connect: Keycloak, Microsoft Entra ID, ADFS…)."
    >
      <form className="stack stack--narrow" onSubmit={save} aria-label="Single sign-on settings">
        <div className="card">
          <p className="small">
            Register this redirect URI with the identity provider:
            <br />
            <code className="mono">{s.redirectUri}</code>
          </p>
          {s.updatedAt && <p className="muted small">Last changed {when(s.updatedAt)}.</p>}
        </div>
        <div className="field">
          <label htmlFor="sso-name">Button text: “Sign in with …”</label>
          <input
            id="sso-name"
            required
            maxLength={80}
            value={s.displayName ?? ''}
            onChange={(e) => set('displayName', e.target.value)}
            placeholder="Hospital account"
          />
        </div>
        <div className="field">
          <label htmlFor="sso-issuer">Issuer URL</label>
          <input
            id="sso-issuer"
            required
            type="url"
            value={s.issuer ?? ''}
            onChange={(e) => set('issuer', e.target.value)}
            placeholder="https://login.example.org/realms/hospital"
          />
        </div>
        <div className="field">
          <label htmlFor="sso-client">Client ID</label>
          <input id="sso-client" required value={s.clientId ?? ''} onChange={(e) => set('clientId', e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="sso-secret">
            Client secret {s.clientSecretSet && <span className="muted">(stored; leave empty to keep)</span>}
          </label>
          <input
            id="sso-secret"
            type="password"
            autoComplete="new-password"
            required={!s.clientSecretSet}
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor="sso-scopes">Scopes</label>
          <input id="sso-scopes" required value={s.scopes} onChange={(e) => set('scopes', e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="sso-claim">Group claim</label>
          <input id="sso-claim" required value={s.groupClaim} onChange={(e) => set('groupClaim', e.target.value)} />
          <span className="muted small">
            The ID token claim listing groups, e.g. groups (Entra, Keycloak group mapper) or realm_access.roles.
          </span>
        </div>
        <fieldset className="card">
          <legend>Groups and roles</legend>
          <p className="muted small">The first listed group a person is in gives their role. Nobody else may sign in.</p>
          {s.roleMap.map((m, i) => (
            <div className="map-row" key={i}>
              <div className="field field--grow">
                <label htmlFor={`map-group-${i}`}>Group</label>
                <input id={`map-group-${i}`} value={m.group} onChange={(e) => setRow(i, { ...m, group: e.target.value })} />
              </div>
              <div className="field">
                <label htmlFor={`map-role-${i}`}>Role</label>
                <select id={`map-role-${i}`} value={m.role} onChange={(e) => setRow(i, { ...m, role: e.target.value as UserRole })}>
                  <Options values={ROLES} />
                </select>
              </div>
              <button
                type="button"
                className="button button--ghost"
                aria-label={`Remove row ${i + 1}`}
                onClick={() =>
                  set(
                    'roleMap',
                    s.roleMap.filter((_, j) => j !== i),
                  )
                }
              >
                Remove
              </button>
            </div>
          ))}
          <button
            type="button"
            className="button button--secondary button--small"
            onClick={() => set('roleMap', [...s.roleMap, { group: '', role: 'clinician' }])}
          >
            Add a group
          </button>
        </fieldset>
        <label className="small check">
          <input type="checkbox" checked={s.enabled} onChange={(e) => set('enabled', e.target.checked)} /> Offer this sign-in on the sign-in
          page
        </label>
        <ErrorNotice>{error}</ErrorNotice>
        {saved && (
          <p className="alert alert--ok" role="status">
            Saved. The identity provider answered its discovery request.
          </p>
        )}
        <div>
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? 'Checking the provider…' : 'Save'}
          </button>
        </div>
      </form>
    </AdminFrame>
  );
}

export default function SsoPage() {
  return (
    <Shell>
      <Sso />
    </Shell>
  );
}
