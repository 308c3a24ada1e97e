'use client';
/**
 * Users of the organisation (admin): invite (a one-time set-password link, shown once: no email
 * is sent), change roles, disable or enable (a disabled user's sessions end at once), reset a
 * password (the old one stops working; a new one-time link).
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { AdminFrame, ShownOnce, when } from '@/components/admin/AdminFrame';
import { ListTable } from '@/components/common/ListTable';
import { ErrorNotice, useErrorState } from '@/components/common/Notice';
import { Options } from '@/components/common/Options';
import { Shell, useSession } from '@/components/Shell';
import { api } from '@/lib/api';
import type { UserRole } from '@/lib/types';

interface User {
  id: string;
  email: string;
  role: UserRole;
  createdAt: string;
  disabledAt: string | null;
  sso: boolean;
}
const ROLES: UserRole[] = ['clinician', 'quality', 'admin'];

function Users() {
  const session = useSession();
  const [users, setUsers] = useState<User[] | null>(null);
  const { error, setError, fail } = useErrorState();
  const [link, setLink] = useState<{ label: string; url: string } | null>(null);

  const load = useCallback(async () => {
    try {
      setUsers((await api<{ items: User[] }>('/v1/users')).items);
    } catch (e) {
      fail(e, 'The users could not be loaded.');
    }
  }, [fail]);
  useEffect(() => {
    void load();
  }, [load]);

  async function act(f: () => Promise<void>) {
    setError(null);
    try {
      await f();
      await load();
    } catch (e) {
      fail(e, 'The change failed.');
    }
  }

  async function invite(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = e.currentTarget;
    const data = new FormData(form);
    await act(async () => {
      const r = await api<{ user: User; invite: { setPasswordUrl: string } }>('/v1/users/invite', {
        method: 'POST',
        json: { email: String(data.get('email')), role: String(data.get('role')) },
      });
      setLink({ label: `Invitation link for ${r.user.email}`, url: r.invite.setPasswordUrl });
      form.reset();
    });
  }

  return (
    <AdminFrame
      title="Users"
      intro="People who sign in to the dashboard. Invitations and resets give a one-time link to pass on yourself; no email is sent."
    >
      <form className="card admin-form" onSubmit={invite} aria-label="Invite a user">
        <div className="field field--grow">
          <label htmlFor="inv-email">Email</label>
          <input id="inv-email" name="email" type="email" required autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor="inv-role">Role</label>
          <select id="inv-role" name="role" defaultValue="clinician">
            <Options values={ROLES} />
          </select>
        </div>
        <button type="submit" className="button button--primary">
          Invite
        </button>
      </form>
      {link && <ShownOnce label={link.label} value={link.url} onDone={() => setLink(null)} />}
      <ErrorNotice>{error}</ErrorNotice>
      <ListTable
        caption="Users"
        columns={['Email', 'Role', 'Status', 'Created', 'Actions']}
        empty="No users yet."
        isEmpty={users?.length === 0}
      >
        {(users ?? []).map((u) => {
          const me = session?.user.id === u.id;
          return (
            <tr key={u.id}>
              <td>
                {u.email}
                {u.sso && <span className="tag">SSO</span>}
                {me && <div className="sub">you</div>}
              </td>
              <td>
                <select
                  aria-label={`Role of ${u.email}`}
                  value={u.role}
                  disabled={me}
                  onChange={(e) => act(() => api(`/v1/users/${u.id}`, { method: 'PATCH', json: { role: e.target.value } }))}
                >
                  <Options values={ROLES} />
                </select>
              </td>
              <td>
                {u.disabledAt ? (
                  <span className="badge badge--neutral">Disabled</span>
                ) : (
                  <span className="badge badge--negative">Active</span>
                )}
              </td>
              <td className="small">{when(u.createdAt)}</td>
              <td>
                <div className="row-actions">
                  <button
                    type="button"
                    className="button button--secondary button--small"
                    disabled={me}
                    onClick={() => act(() => api(`/v1/users/${u.id}`, { method: 'PATCH', json: { disabled: !u.disabledAt } }))}
                  >
                    {u.disabledAt ? 'Enable' : 'Disable'}
                  </button>
                  <button
                    type="button"
                    className="button button--danger button--small"
                    onClick={() =>
                      act(async () => {
                        if (
                          !window.confirm(
                            `Reset the password of ${u.email}? Their current password stops working and their sessions end now.`,
                          )
                        )
                          return;
                        const r = await api<{ reset: { setPasswordUrl: string } }>(`/v1/users/${u.id}/reset`, { method: 'POST' });
                        setLink({ label: `Password reset link for ${u.email}`, url: r.reset.setPasswordUrl });
                      })
                    }
                  >
                    Reset password
                  </button>
                </div>
              </td>
            </tr>
          );
        })}
      </ListTable>
    </AdminFrame>
  );
}

export default function UsersPage() {
  return (
    <Shell>
      <Users />
    </Shell>
  );
}
