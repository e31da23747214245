import { useCallback } from 'react';
import { useApi } from '../api/ApiContext';
import type { Stats } from '../api/types';
import { useAuth } from '../auth/AuthContext';
import { ErrorNote } from '../common/ErrorNote';
import { useResource } from '../common/useResource';
import { ApiKeysPanel } from './ApiKeysPanel';
import { ProjectsPanel } from './ProjectsPanel';
import { RecentTasks } from './RecentTasks';
import { StatsPanel } from './StatsPanel';
import { UsersPanel } from './UsersPanel';

export function AdminPage() {
  const { me } = useAuth();
  if (!me?.is_admin) {
    return (
      <section className="admin-page">
        <h1>Admin</h1>
        <p role="alert">You do not have access to the admin pages.</p>
      </section>
    );
  }
  return <AdminContent authRequired={me.auth_mode === 'required'} />;
}

function AdminContent({ authRequired }: { authRequired: boolean }) {
  const api = useApi();
  const load = useCallback((signal: AbortSignal) => api.get<Stats>('/api/stats', { signal }), [api]);
  const { data, error } = useResource(load);
  return (
    <div className="admin-page">
      <h1>Admin</h1>
      <ErrorNote error={error} label="Could not load stats" />
      {data && <StatsPanel stats={data} />}
      {data && <RecentTasks tasks={data.recent_tasks} />}
      {authRequired ? (
        <>
          <UsersPanel />
          <ProjectsPanel />
        </>
      ) : (
        <section className="admin-card">
          <h2>Users and projects</h2>
          <p className="muted">
            Authentication is off (PAM_AUTH=none): you are the local admin of every project. Set PAM_AUTH=required to
            manage users, projects and roles.
          </p>
        </section>
      )}
      <ApiKeysPanel />
    </div>
  );
}
