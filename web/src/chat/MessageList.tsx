import { useEffect, useRef } from 'react';
import type { Citation } from '../api/types';
import { MessageBubble } from './MessageBubble';
import type { ChatMessage } from './types';

interface Props {
  messages: ChatMessage[];
  onOpenCitation: (c: Citation) => void;
}

export function MessageList({ messages, onOpenCitation }: Props) {
  const end = useRef<HTMLDivElement>(null);
  const last = messages[messages.length - 1];
  const lastLength = last?.content.length ?? 0;

  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [messages.length, lastLength]);

  if (messages.length === 0) {
    return (
      <div className="chat-empty">
        <h2>Ask the knowledge base</h2>
        <p className="muted">Answers cite the exact passage they come from. Try “How do we count daily active users?”</p>
      </div>
    );
  }
  return (
    <div className="message-list" role="log" aria-label="Conversation">
      {messages.map((m) => (
        <MessageBubble key={m.id} message={m} onOpenCitation={onOpenCitation} />
      ))}
      <div ref={end} />
    </div>
  );
}
