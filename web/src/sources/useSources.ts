// The caller's sources, refreshed every few seconds while one of them is syncing (the list shows
// each sync's progress and, once it ends, its counts).
import { useCallback, useEffect } from 'react';
import { useApi } from '../api/ApiContext';
import type { Source, SourceCreate, SourcePage, SourcePatch, Task } from '../api/types';
import { useResource } from '../common/useResource';

const POLL_MS = 1500;

export interface SourcesApi {
  sources: Source[] | undefined;
  error: unknown;
  loading: boolean;
  add: (body: SourceCreate & { sync?: boolean }) => Promise<Source>;
  sync: (id: string) => Promise<Task>;
  update: (id: string, patch: SourcePatch) => Promise<Source>;
  remove: (id: string) => Promise<void>;
}

export function useSources(): SourcesApi {
  const api = useApi();
  const load = useCallback((signal: AbortSignal) => api.get<SourcePage>('/api/sources', { signal }), [api]);
  const { data, error, loading, reload } = useResource(load);
  const syncing = (data?.items ?? []).some((s) => s.active_task !== null);

  useEffect(() => {
    if (!syncing) return;
    const timer = window.setInterval(reload, POLL_MS);
    return () => window.clearInterval(timer);
  }, [syncing, reload]);

  const add = useCallback(
    async (body: SourceCreate & { sync?: boolean }) => {
      const created = await api.post<Source>('/api/sources', body);
      reload();
      return created;
    },
    [api, reload],
  );
  const sync = useCallback(
    async (id: string) => {
      const task = await api.post<Task>(`/api/sources/${encodeURIComponent(id)}/sync`);
      reload();
      return task;
    },
    [api, reload],
  );
  const update = useCallback(
    async (id: string, patch: SourcePatch) => {
      const changed = await api.patch<Source>(`/api/sources/${encodeURIComponent(id)}`, patch);
      reload();
      return changed;
    },
    [api, reload],
  );
  const remove = useCallback(
    async (id: string) => {
      await api.delete(`/api/sources/${encodeURIComponent(id)}`);
      reload();
    },
    [api, reload],
  );
  return { sources: data?.items, error, loading, add, sync, update, remove };
}
