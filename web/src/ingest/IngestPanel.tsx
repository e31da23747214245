import { useCallback, useState } from 'react';
import { useApi } from '../api/ApiContext';
import type { Task } from '../api/types';
import { ErrorNote } from '../common/ErrorNote';
import { FolderForm } from './FolderForm';
import { TaskCard } from './TaskCard';
import { UploadDropzone } from './UploadDropzone';
import { useIngestTasks } from './useIngestTasks';
import { sessionWatchedTasks } from './watchedTasks';

export function IngestPanel({ onTaskFinished }: { onTaskFinished: () => void }) {
  const api = useApi();
  const [watched] = useState(() => sessionWatchedTasks());
  const { entries, error, add, dismiss } = useIngestTasks(watched);
  const [startError, setStartError] = useState<unknown>(null);

  const ingestFolder = useCallback(
    async (path: string) => {
      setStartError(null);
      try {
        add(await api.post<Task>('/api/ingest/folder', { path }));
      } catch (err) {
        setStartError(err);
      }
    },
    [api, add],
  );

  const upload = useCallback(
    async (files: File[]) => {
      setStartError(null);
      const form = new FormData();
      files.forEach((f) => form.append('files', f, f.name));
      try {
        add(await api.request<Task>('POST', '/api/ingest/upload', { form }));
      } catch (err) {
        setStartError(err);
      }
    },
    [api, add],
  );

  const cancel = useCallback(
    (id: string) => {
      api.post(`/api/ingest/tasks/${encodeURIComponent(id)}/cancel`).catch(setStartError);
    },
    [api],
  );

  return (
    <section className="ingest-panel" aria-labelledby="ingest-title">
      <h2 id="ingest-title">Add documents</h2>
      <div className="ingest-inputs">
        <FolderForm onSubmit={ingestFolder} />
        <UploadDropzone onFiles={upload} />
      </div>
      <ErrorNote error={startError} label="Could not start" />
      <ErrorNote error={error} label="Could not load running tasks" />
      <div className="task-list" aria-live="polite">
        {entries.map((e) => (
          <TaskCard
            key={e.id}
            taskId={e.id}
            initial={e.initial}
            onDismiss={dismiss}
            onCancel={cancel}
            onFinished={onTaskFinished}
          />
        ))}
      </div>
    </section>
  );
}
