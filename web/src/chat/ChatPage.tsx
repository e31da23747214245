import { useCallback, useEffect, useState } from 'react';
import { useApi } from '../api/ApiContext';
import { isAbortError } from '../api/errors';
import type { ChatFilters, Citation, ConversationDetail } from '../api/types';
import { ErrorNote } from '../common/ErrorNote';
import { useProjects } from '../common/useProjects';
import { useRouter } from '../router/RouterContext';
import { ChatComposer } from './ChatComposer';
import { ChatFiltersBar } from './ChatFiltersBar';
import { ConversationList } from './ConversationList';
import { MessageList } from './MessageList';
import { SourceViewer } from './SourceViewer';
import { useChat } from './useChat';

function conversationFromPath(path: string): string | null {
  const m = /^\/chat\/([^/]+)$/.exec(path);
  return m?.[1] ? decodeURIComponent(m[1]) : null;
}

export function ChatPage() {
  const api = useApi();
  const { path, navigate } = useRouter();
  const projects = useProjects();
  const [filters, setFilters] = useState<ChatFilters>({});
  const [source, setSource] = useState<Citation | null>(null);
  const [listVersion, setListVersion] = useState(0);
  const [loadError, setLoadError] = useState<unknown>(null);
  const chat = useChat({
    onConversation: (id) => navigate(`/chat/${id}`, { replace: true }),
    onFinished: () => setListVersion((v) => v + 1),
  });
  const { conversationId, load, reset } = chat;
  const wanted = conversationFromPath(path);

  // The URL names the conversation, so a reload or a shared link reopens it.
  useEffect(() => {
    if (!wanted || wanted === conversationId) return;
    const controller = new AbortController();
    api
      .get<ConversationDetail>(`/api/conversations/${encodeURIComponent(wanted)}`, { signal: controller.signal })
      .then(
        (detail) => {
          setLoadError(null);
          load(detail);
        },
        (err: unknown) => {
          if (!isAbortError(err)) setLoadError(err);
        },
      );
    return () => controller.abort();
  }, [api, wanted, conversationId, load]);

  const startNew = useCallback(() => {
    reset();
    setSource(null);
    navigate('/chat');
  }, [reset, navigate]);

  const onDeleted = useCallback(
    (id: string) => {
      if (id === conversationId) startNew();
    },
    [conversationId, startNew],
  );

  const closeSource = useCallback(() => setSource(null), []);
  const hasFilters = Boolean(filters.projects?.length || filters.source_types?.length);

  return (
    <div className={`chat-page${source ? ' with-source' : ''}`}>
      <ConversationList
        activeId={conversationId}
        version={listVersion}
        onSelect={(id) => navigate(`/chat/${id}`)}
        onNew={startNew}
        onDeleted={onDeleted}
      />
      <section className="chat-main" aria-label="Chat">
        <ChatFiltersBar projects={projects} value={filters} onChange={setFilters} />
        <ErrorNote error={loadError} label="Could not open the conversation" />
        <MessageList messages={chat.messages} onOpenCitation={setSource} />
        <ChatComposer
          streaming={chat.streaming}
          onSend={(text) => void chat.send(text, hasFilters ? filters : null)}
          onStop={chat.stop}
        />
      </section>
      {source && <SourceViewer citation={source} onClose={closeSource} />}
    </div>
  );
}
