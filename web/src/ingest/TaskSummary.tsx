import type { Task, TaskDetail } from '../api/types';
import { formatDuration } from '../common/format';

export function TaskSummary({ task, detail }: { task: Task; detail: TaskDetail | null }) {
  const errors = detail?.errors ?? [];
  return (
    <div className="task-summary" role="status" data-testid="task-summary">
      <p>
        <strong>Ingestion {task.status}.</strong> {task.succeeded} ingested, {task.skipped} unchanged, {task.failed}{' '}
        failed, {task.deleted} removed · {task.segments_created} segments · {formatDuration(task.elapsed_s)}
      </p>
      {task.error && <p className="error-text">{task.error}</p>}
      {errors.length > 0 && (
        <div className="task-errors">
          <h4>Files with errors</h4>
          <ul>
            {errors.map((e) => (
              <li key={e.id} data-testid="task-error">
                <code>{e.path}</code>: {e.error ?? e.error_code ?? 'failed'}
                {e.error_code && <span className="muted"> ({e.error_code})</span>}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
