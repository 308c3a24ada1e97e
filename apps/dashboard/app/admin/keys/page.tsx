'use client';
/**
 * API keys of the organisation (admin): create (the key is shown once, with a copy button),
 * list by prefix, revoke.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { AdminFrame, ShownOnce, when } from '@/components/admin/AdminFrame';
import { ListTable } from '@/components/common/ListTable';
import { ErrorNotice, useErrorState } from '@/components/common/Notice';
import { Options } from '@/components/common/Options';
import { Shell } from '@/components/Shell';
import { api } from '@/lib/api';

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
  const { error, setError, fail } = useErrorState();
  const [created, setCreated] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      setKeys((await api<{ items: Key[] }>('/v1/keys')).items);
    } catch (e) {
      fail(e, 'The keys could not be loaded.');
    }
  }, [fail]);
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
      fail(err, 'The key could not be created.');
    }
  }

  async function revoke(k: Key) {
    if (!window.confirm(`Revoke the key ${k.prefix}…${k.label ? ` (${k.label})` : ''}? Programs using it stop working at once.`)) return;
    setError(null);
    try {
      await api(`/v1/keys/${k.id}`, { method: 'DELETE' });
      await load();
    } catch (err) {
      fail(err, 'The key could not be revoked.');
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
            <Options values={KEY_ROLES} />
          </select>
        </div>
        <button type="submit" className="button button--primary">
          Create key
        </button>
      </form>
      {created && <ShownOnce label="New API key" value={created} onDone={() => setCreated(null)} />}
      <ErrorNotice>{error}</ErrorNotice>
      <ListTable
        caption="API keys"
        columns={['Prefix', 'Label', 'Role', 'Created', 'Status', 'Actions']}
        empty="No keys yet."
        isEmpty={keys?.length === 0}
      >
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
      </ListTable>
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
