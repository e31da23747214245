import type { Task, TaskDetail, TaskItem } from '../api/types';
import { formatDuration } from '../common/format';

export function TaskSummary({ task, detail }: { task: Task; detail: TaskDetail | null }) {
  const errors = detail?.errors ?? [];
  const skips = detail?.skips ?? [];
  return (
    <div className="task-summary" role="status" data-testid="task-summary">
      <p>
        <strong>Ingestion {task.status}.</strong> {task.succeeded} ingested, {task.skipped} skipped (unchanged or not
        read), {task.failed} failed, {task.deleted} removed · {task.segments_created} segments ·{' '}
        {formatDuration(task.elapsed_s)}
      </p>
      {task.error && <p className="error-text">{task.error}</p>}
      <FileList title="Files with errors" items={errors} className="task-errors" testId="task-error" />
      <FileList title="Files not read" items={skips} className="task-skips" testId="task-skip" />
    </div>
  );
}

function FileList({
  title,
  items,
  className,
  testId,
}: {
  title: string;
  items: TaskItem[];
  className: string;
  testId: string;
}) {
  if (items.length === 0) return null;
  return (
    <div className={className}>
      <h4>
        {title} ({items.length})
      </h4>
      <ul>
        {items.map((e) => (
          <li key={e.id} data-testid={testId}>
            <code>{e.path}</code>: {e.error ?? e.error_code ?? ''}
            {e.error_code && <span className="muted"> ({e.error_code})</span>}
          </li>
        ))}
      </ul>
    </div>
  );
}
