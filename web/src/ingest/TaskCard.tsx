import { useEffect, useRef } from 'react';
import type { Task } from '../api/types';
import { ErrorNote } from '../common/ErrorNote';
import { formatDuration, formatRate } from '../common/format';
import { TaskItems } from './TaskItems';
import { TaskSummary } from './TaskSummary';
import { isFinished, percent } from './taskStatus';
import { useTaskProgress } from './useTaskProgress';

interface Props {
  taskId: string;
  initial: Task | null;
  onDismiss: (id: string) => void;
  onCancel: (id: string) => void;
  onFinished: () => void;
}

export function TaskCard({ taskId, initial, onDismiss, onCancel, onFinished }: Props) {
  const { task, detail, error } = useTaskProgress(taskId, initial);
  const finished = task ? isFinished(task) : false;
  const wasRunning = useRef(!finished);

  useEffect(() => {
    if (finished && wasRunning.current) {
      wasRunning.current = false;
      onFinished();
    }
  }, [finished, onFinished]);

  return (
    <article className={`task-card task-${task?.status ?? 'loading'}`} aria-label={`Ingestion of ${task?.target ?? taskId}`}>
      <header>
        <h3>
          {task?.kind === 'upload' ? 'Upload' : 'Folder'} <code>{task?.target ?? '…'}</code>
        </h3>
        <span className={`badge status-${task?.status ?? 'pending'}`} data-testid="task-status">
          {task?.status ?? 'loading'}
        </span>
        {finished ? (
          <button type="button" className="icon-button" aria-label="Dismiss" onClick={() => onDismiss(taskId)}>
            ×
          </button>
        ) : (
          <button type="button" onClick={() => onCancel(taskId)}>
            Cancel
          </button>
        )}
      </header>
      {task && !finished && (
        <>
          <progress max={100} value={percent(task)} aria-label="Progress">
            {percent(task)}%
          </progress>
          <p className="task-counts" data-testid="task-progress">
            {task.processed} / {task.total || '?'} documents · {task.failed} failed · {formatRate(task.rate_per_s)} · ETA{' '}
            {formatDuration(task.eta_s)}
          </p>
        </>
      )}
      {task && finished && <TaskSummary task={task} detail={detail} />}
      {detail && <TaskItems items={detail.items} total={detail.items_total} />}
      <ErrorNote error={error} label="Lost track of the task" />
    </article>
  );
}
