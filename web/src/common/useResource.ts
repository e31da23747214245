// Loads data with a loader the caller memoises (useCallback); re-runs when the loader changes,
// aborts the previous request, and ignores results that arrive after unmount (StrictMode-safe).
// While the data is another loader's (the render right after the loader changed, before the effect
// has started the new load), it reports loading: a page number never shows with the last page's rows.
import { useCallback, useEffect, useState } from 'react';
import { isAbortError } from '../api/errors';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

export function useResource<T>(load: ((signal: AbortSignal) => Promise<T>) | null): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(load !== null);
  const [version, setVersion] = useState(0);
  // The loader whose result `data`/`error` hold.
  const [settledBy, setSettledBy] = useState<typeof load | undefined>(undefined);

  useEffect(() => {
    if (!load) return;
    const controller = new AbortController();
    setLoading(true);
    load(controller.signal).then(
      (value) => {
        if (controller.signal.aborted) return;
        setData(value);
        setError(null);
        setLoading(false);
        setSettledBy(() => load);
      },
      (err: unknown) => {
        if (controller.signal.aborted || isAbortError(err)) return;
        setError(err);
        setLoading(false);
        setSettledBy(() => load);
      },
    );
    return () => controller.abort();
  }, [load, version]);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { data, error, loading: loading || (load !== null && settledBy !== load), reload };
}
