import { memo } from 'react';
import type { Citation } from '../api/types';
import { CopyButton } from '../markdown/CopyButton';
import { AnswerText } from './AnswerText';
import { OpenOriginal } from './OpenOriginal';
import { StepList } from './StepList';
import type { ChatMessage } from './types';

interface Props {
  message: ChatMessage;
  onOpenCitation: (c: Citation) => void;
}

function AnswerDetails({ message }: { message: ChatMessage }) {
  const u = message.usage;
  if (!u && message.latencyMs === undefined) return null;
  const rows: [string, string][] = [
    ['Provider', message.provider ?? '—'],
    ['Model', message.model ?? '—'],
  ];
  if (u) {
    rows.push(['Tokens in / out', `${u.input_tokens} / ${u.output_tokens}`]);
    rows.push(['Model calls', String(u.steps)]);
    rows.push(['Tool calls', String(u.tool_calls)]);
    rows.push(['Citations', String(u.citations) + (u.invalid_citations ? ` (${u.invalid_citations} invalid removed)` : '')]);
  }
  if (message.latencyMs !== undefined) rows.push(['Latency', `${(message.latencyMs / 1000).toFixed(2)} s`]);
  return (
    <details className="answer-details">
      <summary>Answer details</summary>
      <dl>
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </details>
  );
}

function providerLabel(m: ChatMessage): string | null {
  if (!m.provider) return null;
  if (m.provider === 'extractive') return 'Extractive answer (quoted from the sources, no language model)';
  return m.model ? `${m.provider} · ${m.model}` : m.provider;
}

export const MessageBubble = memo(function MessageBubble({ message, onOpenCitation }: Props) {
  if (message.role === 'user') {
    return (
      <article className="message message-user" aria-label="Question">
        <p>{message.content}</p>
      </article>
    );
  }
  const label = providerLabel(message);
  return (
    <article
      className={`message message-assistant state-${message.state}`}
      aria-label="Answer"
      aria-busy={message.state === 'streaming'}
      data-state={message.state}
    >
      <StepList steps={message.steps} live={message.state === 'streaming'} />
      {message.content ? (
        <AnswerText text={message.content} citations={message.citations} onOpenCitation={onOpenCitation} />
      ) : (
        message.state === 'streaming' && <p className="muted">Thinking…</p>
      )}
      {message.state === 'incomplete' && (
        <p className="incomplete-note" role="alert">
          <strong>Incomplete answer.</strong> {message.error?.message ?? 'The answer did not finish.'}
          {message.error?.code && <span className="muted"> ({message.error.code})</span>}
        </p>
      )}
      {message.citations.length > 0 && (
        <ol className="source-list" aria-label="Sources">
          {message.citations.map((c) => (
            <li key={c.number}>
              <button type="button" className="link-button" onClick={() => onOpenCitation(c)}>
                [{c.number}] {c.title}
                {c.section_path ? ` — ${c.section_path}` : ''}
              </button>{' '}
              <OpenOriginal citation={c} />
            </li>
          ))}
        </ol>
      )}
      <footer className="answer-footer">
        {label && (
          <p className={`provider-label provider-${message.provider}`} data-provider={message.provider}>
            {label}
          </p>
        )}
        {message.content && message.state !== 'streaming' && <CopyButton text={message.content} label="Copy answer" />}
      </footer>
      {message.state !== 'streaming' && <AnswerDetails message={message} />}
    </article>
  );
});
