'use client';
/**
 * API keys of the organisation (admin): create (the key is shown once, with a copy button),
 * list by prefix, revoke.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { AdminFrame, ShownOnce, when } from '@/components/admin/AdminFrame';
import { handleAuthError, Shell } from '@/components/Shell';
import { api, ApiError } from '@/lib/api';

interface Key {
  id: string;
  role: string;
  prefix: string;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
}
const KEY_ROLES = ['clinician', 'partner', 'quality', 'admin', 'runner'];

function Keys() {
  const [keys, setKeys] = useState<Key[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setKeys((await api<{ items: Key[] }>('/v1/keys')).items);
    } catch (e) {
      if (!handleAuthError(e)) setError(e instanceof ApiError ? e.message : 'The keys could not be loaded.');
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  async function create(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    setError(null);
    try {
      const label = String(data.get('label') ?? '').trim();
      const r = await api<{ key: string }>('/v1/keys', {
        method: 'POST',
        json: { role: String(data.get('role')), ...(label ? { label } : {}) },
      });
      setCreated(r.key);
      form.reset();
      await load();
    } catch (err) {
      if (!handleAuthError(err)) setError(err instanceof ApiError ? err.message : 'The key could not be created.');
    }
  }

  async function revoke(k: Key) {
    if (!window.confirm(`Revoke the key ${k.prefix}…${k.label ? ` (${k.label})` : ''}? Programs using it stop working at once.`)) return;
    setError(null);
    try {
      await api(`/v1/keys/${k.id}`, { method: 'DELETE' });
      await load();
    } catch (err) {
      if (!handleAuthError(err)) setError(err instanceof ApiError ? err.message : 'The key could not be revoked.');
    }
  }

  return (
    <AdminFrame
      title="API keys"
      intro="Keys let programs (PACS bridges, partners, runners) call the API. Only a key's prefix is stored in readable form."
    >
      <form className="card admin-form" onSubmit={create} aria-label="Create an API key">
        <div className="field field--grow">
          <label htmlFor="key-label">Label</label>
          <input id="key-label" name="label" maxLength={100} placeholder="What uses it, e.g. PACS bridge" />
        </div>
        <div className="field">
          <label htmlFor="key-role">Role</label>
          <select id="key-role" name="role" defaultValue="partner">
            {KEY_ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button--primary">
          Create key
        </button>
      </form>
      {created && <ShownOnce label="New API key" value={created} onDone={() => setCreated(null)} />}
      {error && (
        <p className="alert alert--error" role="alert">
          {error}
        </p>
      )}
      <div className="table-wrap">
        <table className="admin-table">
          <caption className="sr-only">API keys</caption>
          <thead>
            <tr>
              <th scope="col">Prefix</th>
              <th scope="col">Label</th>
              <th scope="col">Role</th>
              <th scope="col">Created</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {(keys ?? []).map((k) => (
              <tr key={k.id}>
                <td className="mono">{k.prefix}…</td>
                <td>{k.label ?? <span className="muted">—</span>}</td>
                <td>{k.role}</td>
                <td className="small">{when(k.createdAt)}</td>
                <td>
                  {k.revokedAt ? (
                    <span className="badge badge--neutral">Revoked {when(k.revokedAt)}</span>
                  ) : (
                    <span className="badge badge--negative">Active</span>
                  )}
                </td>
                <td>
                  {!k.revokedAt && (
                    <button type="button" className="button button--danger button--small" onClick={() => revoke(k)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
            {keys && keys.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  No keys yet.
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </AdminFrame>
  );
}

export default function KeysPage() {
  return (
    <Shell>
      <Keys />
    </Shell>
  );
}
