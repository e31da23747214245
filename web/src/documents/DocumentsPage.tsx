import { useCallback, useMemo, useState } from 'react';
import { useApi } from '../api/ApiContext';
import type { DocumentOut } from '../api/types';
import { ErrorNote } from '../common/ErrorNote';
import { useProjects } from '../common/useProjects';
import { IngestPanel } from '../ingest/IngestPanel';
import { useRouter } from '../router/RouterContext';
import { DocumentFilters } from './DocumentFilters';
import { DocumentTable } from './DocumentTable';
import { useDocumentPages } from './useDocumentPages';
import type { DocumentQuery } from './useDocumentPages';

function initialLimit(search: string): number {
  const n = Number(new URLSearchParams(search).get('limit'));
  return Number.isInteger(n) && n >= 1 && n <= 200 ? n : 25;
}

export function DocumentsPage() {
  const api = useApi();
  const { search } = useRouter();
  const projects = useProjects();
  const [query, setQuery] = useState<DocumentQuery>(() => ({
    q: '',
    project: '',
    source_type: '',
    status: 'active',
    sort: '-created_at',
    limit: initialLimit(search),
  }));
  const pages = useDocumentPages(query);
  const { reload } = pages;

  const onDelete = useCallback(
    async (doc: DocumentOut) => {
      await api.delete(`/api/documents/${encodeURIComponent(doc.id)}`);
      reload();
    },
    [api, reload],
  );
  const onReindex = useCallback(
    async (doc: DocumentOut) => {
      await api.post(`/api/documents/${encodeURIComponent(doc.id)}/reindex`);
    },
    [api],
  );

  const total = pages.data?.total;
  const range = useMemo(() => {
    if (pages.loading || !pages.data || pages.data.items.length === 0) return null;
    const first = (pages.page - 1) * query.limit + 1;
    return `${first}–${first + pages.data.items.length - 1}`;
  }, [pages.loading, pages.data, pages.page, query.limit]);

  return (
    <div className="documents-page">
      <IngestPanel onTaskFinished={reload} />
      <section aria-labelledby="documents-title">
        <h1 id="documents-title">
          Documents {total !== undefined && <span className="count" data-testid="documents-total">({total})</span>}
        </h1>
        <DocumentFilters query={query} projects={projects} onChange={setQuery} />
        <ErrorNote error={pages.error} label="Could not load documents" />
        {pages.data && (
          <DocumentTable items={pages.data.items} busy={pages.loading} onDelete={onDelete} onReindex={onReindex} />
        )}
        <nav className="pager" aria-label="Pages">
          <button type="button" onClick={pages.goPrev} disabled={!pages.hasPrev || pages.loading}>
            Previous
          </button>
          <span aria-live="polite" data-testid="page-info">
            Page {pages.page}
            {range && total !== undefined ? ` · ${range} of ${total}` : ''}
          </span>
          <button type="button" onClick={pages.goNext} disabled={!pages.hasNext || pages.loading}>
            Next
          </button>
        </nav>
      </section>
    </div>
  );
}
