// Sources: where the knowledge base's documents come from, with their schedules and last syncs.
import { useCallback } from 'react';
import { ErrorNote } from '../common/ErrorNote';
import { AddSourceForm } from './AddSourceForm';
import { SourceRow } from './SourceRow';
import { useSources } from './useSources';

export function SourcesPage() {
  const { sources, error, loading, add, sync, update, remove } = useSources();
  const onPause = useCallback((id: string, paused: boolean) => update(id, { paused }), [update]);

  return (
    <div className="sources-page">
      <h1>Sources</h1>
      <section className="ingest-panel">
        <h2>Add a source</h2>
        <AddSourceForm onAdd={add} />
      </section>
      <section className="ingest-panel">
        <h2>Registered sources</h2>
        <ErrorNote error={error} label="Could not load the sources" />
        {sources && sources.length === 0 && <p className="muted">No sources yet: add one above.</p>}
        {!sources && loading && <p className="muted">Loading…</p>}
        {sources && sources.length > 0 && (
          <table className="sources-table">
            <thead>
              <tr>
                <th>Source</th>
                <th>Project</th>
                <th>Documents</th>
                <th>Schedule</th>
                <th>Last sync</th>
                <th>Actions</th>
              </tr>
            </thead>
            <tbody>
              {sources.map((s) => (
                <SourceRow key={s.id} source={s} onSync={sync} onPause={onPause} onRemove={remove} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
