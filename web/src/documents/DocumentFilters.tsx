import { useState } from 'react';
import type { FormEvent } from 'react';
import type { Project } from '../api/types';
import { SOURCE_TYPES } from '../api/types';
import type { DocumentQuery } from './useDocumentPages';

interface Props {
  query: DocumentQuery;
  projects: Project[];
  onChange: (q: DocumentQuery) => void;
}

export function DocumentFilters({ query, projects, onChange }: Props) {
  const [text, setText] = useState(query.q);

  function submit(e: FormEvent) {
    e.preventDefault();
    onChange({ ...query, q: text.trim() });
  }

  return (
    <form className="doc-filters" onSubmit={submit} role="search" aria-label="Find documents">
      <label>
        Title{' '}
        <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="Search titles" />
      </label>
      <button type="submit">Search</button>
      {projects.length > 0 && (
        <label>
          Project{' '}
          <select value={query.project} onChange={(e) => onChange({ ...query, project: e.target.value })}>
            <option value="">All</option>
            {projects.map((p) => (
              <option key={p.id} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Source{' '}
        <select value={query.source_type} onChange={(e) => onChange({ ...query, source_type: e.target.value })}>
          <option value="">All</option>
          {SOURCE_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label>
        Status{' '}
        <select value={query.status} onChange={(e) => onChange({ ...query, status: e.target.value })}>
          <option value="active">active</option>
          <option value="error">error</option>
          <option value="deleted">deleted</option>
          <option value="all">all</option>
        </select>
      </label>
      <label>
        Sort{' '}
        <select value={query.sort} onChange={(e) => onChange({ ...query, sort: e.target.value })}>
          <option value="-created_at">newest</option>
          <option value="-updated_at">recently updated</option>
          <option value="title">title</option>
        </select>
      </label>
      <label>
        Per page{' '}
        <select value={query.limit} onChange={(e) => onChange({ ...query, limit: Number(e.target.value) })}>
          {[...new Set([query.limit, 10, 25, 50, 100])]
            .sort((a, b) => a - b)
            .map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
        </select>
      </label>
    </form>
  );
}
