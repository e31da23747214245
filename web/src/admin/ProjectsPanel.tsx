import { useCallback, useState } from 'react';
import type { FormEvent } from 'react';
import { useApi } from '../api/ApiContext';
import type { AdminProjectList, Role, UserPage } from '../api/types';
import { ErrorNote } from '../common/ErrorNote';
import { useResource } from '../common/useResource';
import { listOf } from '../common/listOf';
import { ProjectMembers } from './ProjectMembers';
import { Unavailable } from './Unavailable';

const ROLES: Role[] = ['viewer', 'editor', 'admin'];

export function ProjectsPanel() {
  const api = useApi();
  const loadProjects = useCallback(
    (signal: AbortSignal) => api.get<AdminProjectList>('/api/admin/projects', { signal }),
    [api],
  );
  const loadUsers = useCallback(
    (signal: AbortSignal) => api.get<UserPage>('/api/admin/users', { signal }),
    [api],
  );
  const projects = useResource(loadProjects);
  const users = listOf(useResource(loadUsers).data);
  const [name, setName] = useState('');
  const [member, setMember] = useState({ project: '', user: '', role: 'viewer' as Role });
  const [actionError, setActionError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);

  async function act(fn: () => Promise<unknown>) {
    setActionError(null);
    try {
      await fn();
      projects.reload();
      setVersion((v) => v + 1);
    } catch (err) {
      setActionError(err);
    }
  }

  function create(e: FormEvent) {
    e.preventDefault();
    void act(() => api.post('/api/admin/projects', { name }).then(() => setName('')));
  }

  function addMember(e: FormEvent) {
    e.preventDefault();
    const path = `/api/admin/projects/${encodeURIComponent(member.project)}/members/${encodeURIComponent(member.user)}`;
    void act(() => api.put(path, { role: member.role }));
  }

  return (
    <section aria-labelledby="projects-title" className="admin-card">
      <h2 id="projects-title">Projects and roles</h2>
      <Unavailable error={projects.error} what="Project administration" />
      {projects.data && (
        <>
          <ul className="project-list">
            {listOf(projects.data).map((p) => (
              <ProjectMembers
                key={p.id}
                project={p}
                version={version}
                onRemove={(projectId, userId) =>
                  void act(() =>
                    api.delete(`/api/admin/projects/${encodeURIComponent(projectId)}/members/${encodeURIComponent(userId)}`),
                  )
                }
              />
            ))}
          </ul>
          <form className="inline-form" onSubmit={create} aria-label="Add a project">
            <label>
              New project <input required value={name} onChange={(e) => setName(e.target.value)} />
            </label>
            <button type="submit">Add project</button>
          </form>
          <form className="inline-form" onSubmit={addMember} aria-label="Set a member's role">
            <label>
              Project{' '}
              <select required value={member.project} onChange={(e) => setMember({ ...member, project: e.target.value })}>
                <option value="">Choose…</option>
                {listOf(projects.data).map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              User{' '}
              <select required value={member.user} onChange={(e) => setMember({ ...member, user: e.target.value })}>
                <option value="">Choose…</option>
                {users.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.email}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Role{' '}
              <select value={member.role} onChange={(e) => setMember({ ...member, role: e.target.value as Role })}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">Set role</button>
          </form>
        </>
      )}
      <ErrorNote error={actionError} />
    </section>
  );
}
