import { useMemo } from 'react';
import type { Citation } from '../api/types';
import { CitationChip } from './CitationChip';
import { splitCitations } from './splitCitations';

interface Props {
  text: string;
  citations: Citation[];
  onOpenCitation: (c: Citation) => void;
}

export function AnswerText({ text, citations, onOpenCitation }: Props) {
  const byNumber = useMemo(() => new Map(citations.map((c) => [c.number, c])), [citations]);
  const parts = useMemo(() => splitCitations(text, new Set(byNumber.keys())), [text, byNumber]);
  return (
    <div className="answer-text">
      {parts.map((p) => {
        if (p.kind === 'text') return <span key={p.key}>{p.text}</span>;
        const c = byNumber.get(p.number);
        return c ? <CitationChip key={p.key} citation={c} onOpen={onOpenCitation} /> : null;
      })}
    </div>
  );
}
