// Follows one ingestion task: SSE `progress` events for the counters, a throttled detail fetch
// for the per-document list, and the `done` event's detail (with per-file errors) at the end.
// If the event stream drops, it reconnects; the server is the source of truth, so nothing is lost.
import { useEffect, useRef, useState } from 'react';
import { useApi } from '../api/ApiContext';
import { isAbortError } from '../api/errors';
import { readSse } from '../api/sse';
import type { Task, TaskDetail } from '../api/types';
import { isFinished } from './taskStatus';

export interface TaskProgress {
  task: Task | null;
  detail: TaskDetail | null;
  error: unknown;
}

const DETAIL_EVERY_MS = 1500;
const RETRY_MS = 2000;
const MAX_ATTEMPTS = 8;

export function useTaskProgress(taskId: string, initial: Task | null = null): TaskProgress {
  const api = useApi();
  const [task, setTask] = useState<Task | null>(initial);
  const [detail, setDetail] = useState<TaskDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const lastDetailAt = useRef(0);

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    const path = `/api/ingest/tasks/${encodeURIComponent(taskId)}`;
    let detailTimer: ReturnType<typeof setTimeout> | null = null;

    const fetchDetail = async () => {
      const d = await api.get<TaskDetail>(path, { query: { items_limit: 200 }, signal });
      lastDetailAt.current = Date.now();
      setDetail(d);
      setTask(d);
      return d;
    };
    const scheduleDetail = () => {
      if (detailTimer !== null) return;
      const wait = Math.max(0, DETAIL_EVERY_MS - (Date.now() - lastDetailAt.current));
      detailTimer = setTimeout(() => {
        detailTimer = null;
        fetchDetail().catch(() => undefined);
      }, wait);
    };

    const followOnce = async (): Promise<boolean> => {
      const d = await fetchDetail();
      if (isFinished(d)) return true;
      let finished = false;
      const res = await api.send('GET', `${path}/events`, { signal });
      await readSse(res, ({ event, data }) => {
        let payload: Task | TaskDetail;
        try {
          payload = JSON.parse(data) as Task | TaskDetail;
        } catch {
          return;
        }
        if (event === 'progress') {
          setTask(payload);
          scheduleDetail();
        } else if (event === 'done') {
          finished = true;
          setTask(payload);
          // The summary (with per-file errors) shows at once; the item list follows below.
          if ('errors' in payload) setDetail((prev) => ({ ...payload, items: prev?.items ?? [], items_total: prev?.items_total ?? 0 }));
        }
      });
      // The done event carries errors but no item list: fetch the full summary once.
      if (finished) await fetchDetail();
      return finished;
    };

    const follow = async () => {
      for (let attempt = 1; !signal.aborted; attempt++) {
        try {
          if (await followOnce()) return;
          setError(null);
        } catch (err) {
          if (signal.aborted || isAbortError(err) || attempt >= MAX_ATTEMPTS) throw err;
          setError(err);
        }
        await new Promise((r) => setTimeout(r, Math.min(RETRY_MS * attempt, 10_000)));
      }
    };

    follow().catch((err: unknown) => {
      if (!signal.aborted && !isAbortError(err)) setError(err);
    });
    return () => {
      controller.abort();
      if (detailTimer !== null) clearTimeout(detailTimer);
    };
  }, [api, taskId]);

  return { task, detail, error };
}
