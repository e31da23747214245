import { useCallback, useEffect } from 'react';
import { useApi } from '../api/ApiContext';
import type { ConversationPage } from '../api/types';
import { ErrorNote } from '../common/ErrorNote';
import { useResource } from '../common/useResource';

interface Props {
  activeId: string | null;
  /** Bumped by the parent when a conversation was created or changed. */
  version: number;
  onSelect: (id: string) => void;
  onNew: () => void;
  onDeleted: (id: string) => void;
}

export function ConversationList({ activeId, version, onSelect, onNew, onDeleted }: Props) {
  const api = useApi();
  const load = useCallback(
    (signal: AbortSignal) => api.get<ConversationPage>('/api/conversations', { query: { limit: 50 }, signal }),
    [api],
  );
  const { data, error, reload } = useResource(load);

  useEffect(() => {
    if (version > 0) reload();
  }, [version, reload]);

  async function remove(id: string) {
    await api.delete(`/api/conversations/${encodeURIComponent(id)}`);
    onDeleted(id);
    reload();
  }

  return (
    <nav className="conversation-list" aria-label="Conversations">
      <button type="button" className="new-chat" onClick={onNew}>
        + New conversation
      </button>
      <ErrorNote error={error} />
      <ul>
        {data?.items.map((c) => (
          <li key={c.id} className={c.id === activeId ? 'active' : undefined}>
            <button
              type="button"
              className="link-button conv-title"
              aria-current={c.id === activeId ? 'true' : undefined}
              onClick={() => onSelect(c.id)}
            >
              {c.title || 'Untitled'}
            </button>
            <button
              type="button"
              className="icon-button"
              aria-label={`Delete conversation ${c.title}`}
              onClick={() => void remove(c.id)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
