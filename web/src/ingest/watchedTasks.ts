// Ids of tasks started from this browser tab, kept in sessionStorage so a reload still shows
// their final summary even if they finished while the page was away.
export interface WatchedTasks {
  list(): string[];
  add(id: string): void;
  remove(id: string): void;
}

const KEY = 'pam.watched_tasks';

export function sessionWatchedTasks(storage: Storage = window.sessionStorage): WatchedTasks {
  const read = (): string[] => {
    try {
      const value: unknown = JSON.parse(storage.getItem(KEY) ?? '[]');
      return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
    } catch {
      return [];
    }
  };
  const write = (ids: string[]) => storage.setItem(KEY, JSON.stringify(ids.slice(-20)));
  return {
    list: read,
    add: (id) => write([...read().filter((x) => x !== id), id]),
    remove: (id) => write(read().filter((x) => x !== id)),
  };
}
