import { renderHook, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { Task, TaskDetail } from '../api/types';
import { fakeFetch, json, sseEvent, sseResponse } from '../test/fakeFetch';
import { apiWrapper } from '../test/renderWithApi';
import { useIngestTasks } from './useIngestTasks';
import { useTaskProgress } from './useTaskProgress';
import { sessionWatchedTasks } from './watchedTasks';

const base: Task = {
  id: 't1',
  project_id: 'p',
  kind: 'folder',
  target: '/docs',
  status: 'running',
  total: 10,
  processed: 2,
  succeeded: 2,
  skipped: 0,
  failed: 0,
  deleted: 0,
  segments_created: 4,
  segments_embedded: 4,
  rate_per_s: 1,
  eta_s: 8,
  elapsed_s: 2,
  created_at: '',
  started_at: '',
  finished_at: null,
  heartbeat_at: null,
  error: null,
  created_by: 'local',
};
const detail = (t: Partial<Task>, errors: TaskDetail['errors'] = []): TaskDetail => ({
  ...base,
  ...t,
  items: [],
  items_total: 0,
  errors,
  skips: [],
});
const brokenItem = { id: 'i1', path: 'broken.pdf', stage: 'failed', document_id: null, segments: 0, error_code: 'parse_error', error: 'Not a PDF' };

describe('useTaskProgress', () => {
  it('follows SSE progress to the done summary with per-file errors', async () => {
    let finished = false;
    const fake = fakeFetch({
      'GET /api/ingest/tasks/t1': () =>
        json(finished ? detail({ status: 'completed', processed: 10, failed: 1 }, [brokenItem]) : detail({})),
      'GET /api/ingest/tasks/t1/events': () => {
        finished = true;
        return sseResponse([
          sseEvent('progress', { ...base, processed: 5 }),
          sseEvent('done', detail({ status: 'completed', processed: 10, failed: 1 }, [brokenItem])),
        ]);
      },
    });
    const { result } = renderHook(() => useTaskProgress('t1'), { wrapper: apiWrapper(fake.fetch) });
    await waitFor(() => expect(result.current.task?.status).toBe('completed'));
    await waitFor(() => expect(result.current.detail?.errors).toEqual([brokenItem]));
    expect(result.current.error).toBeNull();
  });

  it('does not open an event stream for a task that already finished', async () => {
    const fake = fakeFetch({ 'GET /api/ingest/tasks/t1': () => json(detail({ status: 'failed', error: 'folder vanished' })) });
    const { result } = renderHook(() => useTaskProgress('t1'), { wrapper: apiWrapper(fake.fetch) });
    await waitFor(() => expect(result.current.task?.status).toBe('failed'));
    expect(fake.calls.some((c) => c.path.endsWith('/events'))).toBe(false);
  });
});

describe('useIngestTasks', () => {
  it('resumes active tasks from the server on every mount (navigation away and back)', async () => {
    const fake = fakeFetch({ 'GET /api/ingest/tasks': () => json({ items: [base], next_cursor: null }) });
    const watched = sessionWatchedTasks(window.sessionStorage);
    const first = renderHook(() => useIngestTasks(watched), { wrapper: apiWrapper(fake.fetch) });
    await waitFor(() => expect(first.result.current.entries.map((e) => e.id)).toEqual(['t1']));
    first.unmount();
    const again = renderHook(() => useIngestTasks(watched), { wrapper: apiWrapper(fake.fetch) });
    await waitFor(() => expect(again.result.current.entries.map((e) => e.id)).toEqual(['t1']));
    expect(fake.calls.filter((c) => c.path === '/api/ingest/tasks?status=active&limit=50').length).toBeGreaterThanOrEqual(2);
  });

  it('keeps tasks started from this tab across a reload until dismissed, without duplicates', async () => {
    window.sessionStorage.clear();
    const fake = fakeFetch({ 'GET /api/ingest/tasks': () => json({ items: [base], next_cursor: null }) });
    const watched = sessionWatchedTasks(window.sessionStorage);
    watched.add('t1');
    watched.add('t0');
    const { result } = renderHook(() => useIngestTasks(watched), { wrapper: apiWrapper(fake.fetch) });
    await waitFor(() => expect(fake.calls.length).toBeGreaterThan(0));
    await waitFor(() => expect(result.current.entries.map((e) => e.id).sort()).toEqual(['t0', 't1']));
    result.current.dismiss('t0');
    await waitFor(() => expect(result.current.entries.map((e) => e.id)).toEqual(['t1']));
    expect(watched.list()).toEqual(['t1']);
  });
});
