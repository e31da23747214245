import type { Task } from '../api/types';

export const FINISHED = new Set(['completed', 'failed', 'cancelled']);

export function isFinished(task: Pick<Task, 'status'>): boolean {
  return FINISHED.has(task.status);
}

export function percent(task: Pick<Task, 'processed' | 'total'>): number {
  if (task.total <= 0) return 0;
  return Math.min(100, Math.round((task.processed / task.total) * 100));
}
