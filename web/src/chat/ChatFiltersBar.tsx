import type { ChatFilters, Project, SourceType } from '../api/types';
import { SOURCE_TYPES } from '../api/types';

interface Props {
  projects: Project[];
  value: ChatFilters;
  onChange: (f: ChatFilters) => void;
}

export function ChatFiltersBar({ projects, value, onChange }: Props) {
  const project = value.projects?.[0] ?? '';
  const types = value.source_types ?? [];

  function toggleType(t: SourceType, on: boolean) {
    const next = on ? [...types, t] : types.filter((x) => x !== t);
    onChange({ ...value, source_types: next.length ? next : null });
  }

  return (
    <fieldset className="filters">
      <legend className="visually-hidden">Filters</legend>
      {projects.length > 0 && (
        <label>
          Project{' '}
          <select
            value={project}
            onChange={(e) => onChange({ ...value, projects: e.target.value ? [e.target.value] : null })}
          >
            <option value="">All projects</option>
            {projects.map((p) => (
              <option key={p.id} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <span className="filter-group" role="group" aria-label="Source type">
        {SOURCE_TYPES.map((t) => (
          <label key={t} className="check">
            <input type="checkbox" checked={types.includes(t)} onChange={(e) => toggleType(t, e.target.checked)} />
            {t}
          </label>
        ))}
      </span>
    </fieldset>
  );
}
