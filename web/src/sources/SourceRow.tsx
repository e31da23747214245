// One source: what it is, its last sync (counts and error) or the sync under way, and its actions.
import { useState } from 'react';
import type { Source } from '../api/types';
import { ErrorNote } from '../common/ErrorNote';
import { formatDate } from '../common/format';

const KIND_LABELS: Record<string, string> = {
  git: 'Git',
  github: 'GitHub',
  google_drive: 'Google Drive',
  website: 'Website',
  folder: 'Folder',
  upload: 'Uploads',
};

function place(source: Source): string {
  const c = source.config as Record<string, unknown>;
  const where = c.url ?? c.repository ?? c.start_url ?? c.folder_id ?? c.drive_id ?? c.display ?? '';
  return String(where);
}

interface Props {
  source: Source;
  onSync: (id: string) => Promise<unknown>;
  onPause: (id: string, paused: boolean) => Promise<unknown>;
  onRemove: (id: string) => Promise<unknown>;
}

export function SourceRow({ source, onSync, onPause, onRemove }: Props) {
  const [error, setError] = useState<unknown>(null);
  const last = source.last_sync;
  const running = source.active_task;
  const act = (action: () => Promise<unknown>) => () => {
    setError(null);
    action().catch(setError);
  };
  return (
    <tr data-testid="source-row" data-source={source.name}>
      <td>
        <strong>{source.name}</strong>
        <div className="muted">
          {KIND_LABELS[source.type] ?? source.type} · <code>{place(source)}</code>
        </div>
      </td>
      <td>{source.project}</td>
      <td data-testid="source-documents">{source.documents}</td>
      <td>
        {source.schedule ?? '—'}
        {source.paused && <span className="badge status-cancelled"> paused</span>}
        {source.schedule && !source.paused && <div className="muted">next {formatDate(source.next_sync_at)}</div>}
      </td>
      <td data-testid="source-last-sync">
        {running ? (
          <span className={`badge status-${running.status}`}>
            {running.status} · {running.processed}/{running.total || '?'}
          </span>
        ) : last ? (
          <>
            <span className={`badge status-${last.status ?? 'pending'}`}>{last.status}</span> {formatDate(last.at)}
            <div className="muted" data-testid="source-counts">
              {last.succeeded} indexed · {last.skipped} unchanged · {last.deleted} removed · {last.failed} failed
            </div>
            {last.error && <div className="error-text">{last.error}</div>}
          </>
        ) : (
          'never'
        )}
      </td>
      <td className="actions">
        {source.type !== 'upload' && (
          <button type="button" onClick={act(() => onSync(source.id))} disabled={running !== null}>
            Sync now
          </button>
        )}
        {source.schedule && (
          <button type="button" onClick={act(() => onPause(source.id, !source.paused))}>
            {source.paused ? 'Resume' : 'Pause'}
          </button>
        )}
        <button
          type="button"
          className="danger"
          onClick={act(async () => {
            if (window.confirm(`Remove ${source.name} and its ${source.documents} documents?`)) await onRemove(source.id);
          })}
        >
          Remove
        </button>
        <ErrorNote error={error} />
      </td>
    </tr>
  );
}
