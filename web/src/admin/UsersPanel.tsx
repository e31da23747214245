import { useCallback, useState } from 'react';
import type { FormEvent } from 'react';
import { useApi } from '../api/ApiContext';
import type { AdminUser, UserPage } from '../api/types';
import { ErrorNote } from '../common/ErrorNote';
import { useResource } from '../common/useResource';
import { listOf } from '../common/listOf';
import { Unavailable } from './Unavailable';

export function UsersPanel() {
  const api = useApi();
  const load = useCallback(
    (signal: AbortSignal) => api.get<UserPage>('/api/admin/users', { signal }),
    [api],
  );
  const { data, error, reload } = useResource(load);
  const [form, setForm] = useState({ email: '', name: '', password: '', is_admin: false });
  const [actionError, setActionError] = useState<unknown>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    setActionError(null);
    try {
      // Without a password the user is invited: they sign in through a provider under this email.
      const { password, ...rest } = form;
      await api.post('/api/admin/users', password ? form : rest);
      setForm({ email: '', name: '', password: '', is_admin: false });
      reload();
    } catch (err) {
      setActionError(err);
    }
  }

  async function toggle(u: AdminUser) {
    setActionError(null);
    try {
      await api.patch(`/api/admin/users/${encodeURIComponent(u.id)}`, { active: !u.active });
      reload();
    } catch (err) {
      setActionError(err);
    }
  }

  async function signOut(u: AdminUser) {
    setActionError(null);
    try {
      await api.post(`/api/admin/users/${encodeURIComponent(u.id)}/sign-out`);
      reload();
    } catch (err) {
      setActionError(err);
    }
  }

  return (
    <section aria-labelledby="users-title" className="admin-card">
      <h2 id="users-title">Users</h2>
      <Unavailable error={error} what="User accounts" />
      {data && (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Admin</th>
                <th scope="col">Signs in with</th>
                <th scope="col">Projects</th>
                <th scope="col">Active</th>
              </tr>
            </thead>
            <tbody>
              {listOf(data).map((u) => (
                <tr key={u.id}>
                  <td>{u.email}</td>
                  <td>{u.name}</td>
                  <td>{u.is_admin ? 'yes' : 'no'}</td>
                  <td>{u.sign_in.length ? u.sign_in.join(', ') : 'invited'}</td>
                  <td>{(u.projects ?? []).map((p) => `${p.name} (${p.role ?? '?'})`).join(', ')}</td>
                  <td>
                    {u.active ? 'yes' : 'no'}{' '}
                    <button type="button" onClick={() => void toggle(u)} aria-label={`${u.active ? 'Disable' : 'Enable'} ${u.email}`}>
                      {u.active ? 'Disable' : 'Enable'}
                    </button>{' '}
                    <button type="button" onClick={() => void signOut(u)} aria-label={`Sign ${u.email} out everywhere`}>
                      Sign out
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <form className="inline-form" onSubmit={create} aria-label="Add a user">
            <label>
              Email <input type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
            </label>
            <label>
              Name <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
            </label>
            <label>
              Password (optional){' '}
              <input
                type="password"
                minLength={8}
                autoComplete="new-password"
                value={form.password}
                onChange={(e) => setForm({ ...form, password: e.target.value })}
              />
            </label>
            <label className="check">
              <input type="checkbox" checked={form.is_admin} onChange={(e) => setForm({ ...form, is_admin: e.target.checked })} />
              Admin
            </label>
            <button type="submit">Add user</button>
          </form>
        </>
      )}
      <ErrorNote error={actionError} />
    </section>
  );
}
