// Which tasks the panel shows: every active task on the server (fetched on each mount, so
// progress survives navigation and reload) plus tasks started from this tab until dismissed.
import { useCallback, useEffect, useState } from 'react';
import { useApi } from '../api/ApiContext';
import { isAbortError } from '../api/errors';
import type { Task, TaskPage } from '../api/types';
import type { WatchedTasks } from './watchedTasks';

export interface TaskEntry {
  id: string;
  initial: Task | null;
}

export function useIngestTasks(watched: WatchedTasks) {
  const api = useApi();
  const [entries, setEntries] = useState<TaskEntry[]>(() => watched.list().map((id) => ({ id, initial: null })));
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const controller = new AbortController();
    api.get<TaskPage>('/api/ingest/tasks', { query: { status: 'active', limit: 50 }, signal: controller.signal }).then(
      (page) =>
        setEntries((prev) => {
          const known = new Set(prev.map((e) => e.id));
          const active = page.items.filter((t) => !known.has(t.id)).map((t) => ({ id: t.id, initial: t }));
          return [...active, ...prev];
        }),
      (err: unknown) => {
        if (!controller.signal.aborted && !isAbortError(err)) setError(err);
      },
    );
    return () => controller.abort();
  }, [api]);

  const add = useCallback(
    (task: Task) => {
      watched.add(task.id);
      setEntries((prev) => [{ id: task.id, initial: task }, ...prev.filter((e) => e.id !== task.id)]);
    },
    [watched],
  );

  const dismiss = useCallback(
    (id: string) => {
      watched.remove(id);
      setEntries((prev) => prev.filter((e) => e.id !== id));
    },
    [watched],
  );

  return { entries, error, add, dismiss };
}
