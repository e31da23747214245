import { useState } from 'react';
import { useApi } from '../api/ApiContext';
import { errorMessage } from '../api/errors';
import type { Task, TaskDetail } from '../api/types';
import { formatDate, formatDuration } from '../common/format';

export function RecentTasks({ tasks }: { tasks: Task[] }) {
  const api = useApi();
  const [open, setOpen] = useState<TaskDetail | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function show(id: string) {
    setError(null);
    try {
      setOpen(await api.get<TaskDetail>(`/api/ingest/tasks/${encodeURIComponent(id)}`, { query: { items_limit: 0 } }));
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return (
    <section aria-labelledby="tasks-title" className="admin-card">
      <h2 id="tasks-title">Recent ingestion tasks</h2>
      {tasks.length === 0 ? (
        <p className="muted">None yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Target</th>
              <th scope="col">Status</th>
              <th scope="col">Done</th>
              <th scope="col">Failed</th>
              <th scope="col">Took</th>
              <th scope="col">Finished</th>
            </tr>
          </thead>
          <tbody>
            {tasks.map((t) => (
              <tr key={t.id}>
                <td>
                  <button type="button" className="link-button" onClick={() => void show(t.id)}>
                    {t.target}
                  </button>
                </td>
                <td>
                  <span className={`badge status-${t.status}`}>{t.status}</span>
                </td>
                <td className="num">
                  {t.processed}/{t.total}
                </td>
                <td className="num">{t.failed}</td>
                <td>{formatDuration(t.elapsed_s)}</td>
                <td>{formatDate(t.finished_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {error && <p className="error-note">{error}</p>}
      {open && (
        <div className="task-errors" role="region" aria-label="Task errors">
          <h3>
            Errors of <code>{open.target}</code> ({open.errors.length})
          </h3>
          {open.error && <p className="error-text">{open.error}</p>}
          <ul>
            {open.errors.map((e) => (
              <li key={e.id}>
                <code>{e.path}</code>: {e.error ?? e.error_code}
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => setOpen(null)}>
            Close
          </button>
        </div>
      )}
    </section>
  );
}
