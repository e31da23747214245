import { useCallback, useState } from 'react';
import type { FormEvent } from 'react';
import { useApi } from '../api/ApiContext';
import type { ApiKey, ApiKeyCreated, ApiKeyList } from '../api/types';
import { ErrorNote } from '../common/ErrorNote';
import { formatDate } from '../common/format';
import { useProjects } from '../common/useProjects';
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
  const projects = useProjects();
  const [name, setName] = useState('');
  const [readOnly, setReadOnly] = useState(false);
  const [limitedTo, setLimitedTo] = useState<string[]>([]);
  const projectName = (id: string) => projects.find((p) => p.id === id)?.name ?? id;
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);

  async function create(e: FormEvent) {
    e.preventDefault();
    setActionError(null);
    try {
      setCreated(
        await api.post<ApiKeyCreated>('/api/auth/keys', {
          name,
          read_only: readOnly,
          projects: limitedTo.length ? limitedTo : null,
        }),
      );
      setName('');
      setReadOnly(false);
      setLimitedTo([]);
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
                {k.read_only && <span className="badge">read-only</span>}{' '}
                {k.project_ids && <span className="muted">only {k.project_ids.map(projectName).join(', ')}</span>}{' '}
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
            <label className="check">
              <input type="checkbox" checked={readOnly} onChange={(e) => setReadOnly(e.target.checked)} />
              Read-only
            </label>
            {projects.length > 0 && (
              <label>
                Only these projects{' '}
                <select
                  multiple
                  value={limitedTo}
                  onChange={(e) => setLimitedTo(Array.from(e.target.selectedOptions, (o) => o.value))}
                >
                  {projects.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <button type="submit">Create key</button>
          </form>
        </>
      )}
      <ErrorNote error={actionError} />
    </section>
  );
}
