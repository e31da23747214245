import { useCallback, useState } from 'react';
import type { FormEvent } from 'react';
import { useApi } from '../api/ApiContext';
import type { ApiKey, ApiKeyCreated, ApiKeyList } from '../api/types';
import { ErrorNote } from '../common/ErrorNote';
import { formatDate } from '../common/format';
import { useResource } from '../common/useResource';
import { listOf } from '../common/listOf';
import { Unavailable } from './Unavailable';

export function ApiKeysPanel() {
  const api = useApi();
  const load = useCallback(
    (signal: AbortSignal) => api.get<ApiKeyList>('/api/auth/keys', { signal }),
    [api],
  );
  const { data, error, reload } = useResource(load);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    setActionError(null);
    try {
      setCreated(await api.post<ApiKeyCreated>('/api/auth/keys', { name }));
      setName('');
      reload();
    } catch (err) {
      setActionError(err);
    }
  }

  async function revoke(k: ApiKey) {
    setActionError(null);
    try {
      await api.delete(`/api/auth/keys/${encodeURIComponent(k.id)}`);
      reload();
    } catch (err) {
      setActionError(err);
    }
  }

  return (
    <section aria-labelledby="keys-title" className="admin-card">
      <h2 id="keys-title">API keys</h2>
      <Unavailable error={error} what="API keys" />
      {created && (
        <p className="key-once" role="status">
          New key (shown once): <code>{created.key}</code>
        </p>
      )}
      {data && (
        <>
          <ul>
            {listOf(data)
              .filter((k) => !k.revoked_at)
              .map((k) => (
              <li key={k.id}>
                {k.name} {k.prefix && <code>{k.prefix}…</code>}{' '}
                <span className="muted">last used {formatDate(k.last_used_at)}</span>{' '}
                <button type="button" onClick={() => void revoke(k)} aria-label={`Revoke key ${k.name}`}>
                  Revoke
                </button>
              </li>
            ))}
          </ul>
          <form className="inline-form" onSubmit={create} aria-label="Create an API key">
            <label>
              Key name <input required value={name} onChange={(e) => setName(e.target.value)} />
            </label>
            <button type="submit">Create key</button>
          </form>
        </>
      )}
      <ErrorNote error={actionError} />
    </section>
  );
}
