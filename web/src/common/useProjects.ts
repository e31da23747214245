import { useCallback } from 'react';
import { useApi } from '../api/ApiContext';
import type { Project, ProjectList } from '../api/types';
import { listOf } from './listOf';
import { useResource } from './useResource';

/** The caller's projects; an empty list when the route is unavailable (filters then hide). */
export function useProjects(): Project[] {
  const api = useApi();
  const load = useCallback(
    (signal: AbortSignal) =>
      api.get<ProjectList>('/api/projects', { signal }).then(listOf, (): Project[] => []),
    [api],
  );
  return useResource(load).data ?? [];
}
