import { memo } from 'react';
import type { Citation } from '../api/types';
import { CopyButton } from '../markdown/CopyButton';
import { AnswerText } from './AnswerText';
import { AlternativeAnswer, ReplacedNote, UngroundedNotice } from './GroundingNotice';
import { SourceList } from './SourceList';
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
  const grounding = message.state === 'complete' ? message.grounding : null;
  const flagged = grounding?.action === 'flagged' ? grounding : null;
  const alternative = flagged?.alternative ?? null;
  return (
    <article
      className={`message message-assistant state-${message.state}${flagged ? ' ungrounded' : ''}`}
      aria-label="Answer"
      aria-busy={message.state === 'streaming'}
      data-state={message.state}
      data-grounded={message.grounded == null ? undefined : String(message.grounded)}
    >
      <StepList steps={message.steps} live={message.state === 'streaming'} />
      {flagged && <UngroundedNotice grounding={flagged} />}
      <div className={alternative ? 'answer-columns' : undefined}>
        <div className="answer-main">
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
          <SourceList citations={message.citations} onOpenCitation={onOpenCitation} />
        </div>
        {alternative && <AlternativeAnswer alternative={alternative} onOpenCitation={onOpenCitation} />}
      </div>
      {grounding?.action === 'replaced' && <ReplacedNote grounding={grounding} />}
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
