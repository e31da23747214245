import { act, renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { DocumentOut } from '../api/types';
import { fakeFetch, json } from '../test/fakeFetch';
import { apiWrapper } from '../test/renderWithApi';
import { useDocumentPages } from './useDocumentPages';
import type { DocumentQuery } from './useDocumentPages';

const docs: DocumentOut[] = Array.from({ length: 7 }, (_, i) => ({
  id: `d${i}`,
  project_id: 'p',
  title: `Doc ${i}`,
  uri: `doc${i}.md`,
  source_type: 'folder',
  mime_type: 'text/markdown',
  size_bytes: 10,
  status: 'active',
  error: null,
  segment_count: 1,
  tags: [],
  created_at: '',
  updated_at: '',
  modified_at: null,
}));

function server() {
  return fakeFetch({
    'GET /api/documents': ({ url }) => {
      const limit = Number(url.searchParams.get('limit'));
      const q = url.searchParams.get('q') ?? '';
      const matching = docs.filter((d) => d.title.includes(q));
      const start = Number(url.searchParams.get('cursor') ?? 0);
      const items = matching.slice(start, start + limit);
      const next = start + limit < matching.length ? String(start + limit) : null;
      return json({ items, total: matching.length, next_cursor: next });
    },
  });
}

const query: DocumentQuery = { q: '', project: '', source_type: '', status: 'active', sort: '-created_at', limit: 3 };

describe('useDocumentPages', () => {
  it('pages forward and back through cursors, with the total from the server', async () => {
    const fake = server();
    const { result } = renderHook(() => useDocumentPages(query), { wrapper: apiWrapper(fake.fetch) });
    await waitFor(() => expect(result.current.data?.items.map((d) => d.id)).toEqual(['d0', 'd1', 'd2']));
    expect(result.current.data?.total).toBe(7);
    expect(result.current).toMatchObject({ page: 1, hasPrev: false, hasNext: true });
    act(() => result.current.goNext());
    await waitFor(() => expect(result.current.data?.items.map((d) => d.id)).toEqual(['d3', 'd4', 'd5']));
    act(() => result.current.goNext());
    await waitFor(() => expect(result.current.data?.items.map((d) => d.id)).toEqual(['d6']));
    expect(result.current).toMatchObject({ page: 3, hasNext: false });
    act(() => result.current.goPrev());
    await waitFor(() => expect(result.current.data?.items.map((d) => d.id)).toEqual(['d3', 'd4', 'd5']));
  });

  it('never reports a new page as loaded while it still holds the last page', async () => {
    const fake = server();
    const renders: { page: number; loading: boolean; first: string | undefined }[] = [];
    const { result } = renderHook(
      () => {
        const pages = useDocumentPages(query);
        renders.push({ page: pages.page, loading: pages.loading, first: pages.data?.items[0]?.id });
        return pages;
      },
      { wrapper: apiWrapper(fake.fetch) },
    );
    await waitFor(() => expect(result.current.data?.items[0]?.id).toBe('d0'));
    act(() => result.current.goNext());
    await waitFor(() => expect(result.current.data?.items[0]?.id).toBe('d3'));
    const shownAsPage2 = renders.filter((r) => r.page === 2 && !r.loading);
    expect(shownAsPage2.length).toBeGreaterThan(0);
    expect(shownAsPage2.every((r) => r.first === 'd3')).toBe(true);
  });

  it('starts again at page 1 when the query changes', async () => {
    const fake = server();
    const { result, rerender } = renderHook(({ q }) => useDocumentPages(q), {
      wrapper: apiWrapper(fake.fetch),
      initialProps: { q: query },
    });
    await waitFor(() => expect(result.current.hasNext).toBe(true));
    act(() => result.current.goNext());
    await waitFor(() => expect(result.current.page).toBe(2));
    rerender({ q: { ...query, q: 'Doc 6' } });
    await waitFor(() => expect(result.current.data?.items.map((d) => d.id)).toEqual(['d6']));
    expect(result.current.page).toBe(1);
    expect(fake.calls.at(-1)?.path).not.toContain('cursor');
  });
});
