// Cursor pagination over GET /api/documents: a stack of the cursors that opened each page,
// reset whenever the query changes.
import { useCallback, useState } from 'react';
import { useApi } from '../api/ApiContext';
import type { DocumentPage } from '../api/types';
import { useResource } from '../common/useResource';

export interface DocumentQuery {
  q: string;
  project: string;
  source_type: string;
  status: string;
  sort: string;
  limit: number;
}

export function useDocumentPages(query: DocumentQuery) {
  const api = useApi();
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [forQuery, setForQuery] = useState(query);

  // A changed query starts again at page 1 (adjusting state during render, as React recommends).
  if (forQuery !== query) {
    setForQuery(query);
    setCursors([null]);
  }
  const cursor = forQuery === query ? (cursors[cursors.length - 1] ?? null) : null;

  const load = useCallback(
    (signal: AbortSignal) => api.get<DocumentPage>('/api/documents', { query: { ...query, cursor }, signal }),
    [api, query, cursor],
  );
  const resource = useResource(load);
  const next = resource.data?.next_cursor ?? null;

  const goNext = useCallback(() => {
    if (next) setCursors((c) => [...c, next]);
  }, [next]);
  const goPrev = useCallback(() => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)), []);

  return {
    ...resource,
    page: cursors.length,
    hasNext: next !== null,
    hasPrev: cursors.length > 1,
    goNext,
    goPrev,
  };
}
