import { useCallback } from 'react';
import { useApi } from '../api/ApiContext';
import type { AdminProject, MemberList } from '../api/types';
import { ErrorNote } from '../common/ErrorNote';
import { listOf } from '../common/listOf';
import { useResource } from '../common/useResource';

interface Props {
  project: AdminProject;
  /** Bumped by the parent after a role change. */
  version: number;
  onRemove: (projectId: string, userId: string) => void;
}

export function ProjectMembers({ project, version, onRemove }: Props) {
  const api = useApi();
  const load = useCallback(
    (signal: AbortSignal) =>
      api.get<MemberList>(`/api/admin/projects/${encodeURIComponent(project.id)}/members`, {
        signal,
        query: { v: version },
      }),
    [api, project.id, version],
  );
  const { data, error } = useResource(load);
  return (
    <li>
      <strong>{project.name}</strong> {project.description && <span className="muted">{project.description}</span>}
      <ErrorNote error={error} />
      <ul>
        {listOf(data).map((m) => (
          <li key={m.user_id}>
            {m.email} — {m.role}{' '}
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove ${m.email} from ${project.name}`}
              onClick={() => onRemove(project.id, m.user_id)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
    </li>
  );
}
