// Register a source: a form per connector type, a project, an optional schedule; it syncs right away.
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { Source, SourceCreate, SourceKind } from '../api/types';
import { ErrorNote } from '../common/ErrorNote';
import { useProjects } from '../common/useProjects';
import { SourceFields, toBody } from './SourceFields';
import type { Values } from './SourceFields';

const KINDS: { kind: SourceKind; label: string }[] = [
  { kind: 'git', label: 'Git repository' },
  { kind: 'github', label: 'GitHub issues and pull requests' },
  { kind: 'google_drive', label: 'Google Drive' },
  { kind: 'website', label: 'Website' },
  { kind: 'folder', label: 'Folder on the server' },
];

export function AddSourceForm({ onAdd }: { onAdd: (body: SourceCreate & { sync?: boolean }) => Promise<Source> }) {
  const projects = useProjects().filter((p) => p.role !== 'viewer');
  const [kind, setKind] = useState<SourceKind>('git');
  const [name, setName] = useState('');
  const [project, setProject] = useState('');
  const [schedule, setSchedule] = useState('');
  const [values, setValues] = useState<Values>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = {
        type: kind,
        name: name.trim(),
        project: project || null,
        schedule: schedule.trim() || null,
        sync: true,
        ...toBody(kind, values),
      } as SourceCreate & { sync?: boolean };
      await onAdd(body);
      setName('');
      setValues({});
      setSchedule('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="source-form" onSubmit={submit} aria-label="Add a source">
      <div className="form-field">
        <label htmlFor="source-kind">Type</label>
        <select id="source-kind" value={kind} onChange={(e) => { setKind(e.target.value as SourceKind); setValues({}); }}>
          {KINDS.map((k) => (
            <option key={k.kind} value={k.kind}>
              {k.label}
            </option>
          ))}
        </select>
      </div>
      <div className="form-field">
        <label htmlFor="source-name">Name</label>
        <input id="source-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
      </div>
      {projects.length > 1 && (
        <div className="form-field">
          <label htmlFor="source-project">Project</label>
          <select id="source-project" value={project} onChange={(e) => setProject(e.target.value)}>
            <option value="">default</option>
            {projects.map((p) => (
              <option key={p.id} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
      )}
      <SourceFields kind={kind} values={values} onChange={setValues} />
      <div className="form-field">
        <label htmlFor="source-schedule">Schedule</label>
        <input id="source-schedule" value={schedule} onChange={(e) => setSchedule(e.target.value)} placeholder="every 2h, or */30 * * * * (UTC)" />
      </div>
      <button type="submit" disabled={busy || !name.trim()}>
        Add and sync
      </button>
      <ErrorNote error={error} label="Could not add the source" />
    </form>
  );
}
