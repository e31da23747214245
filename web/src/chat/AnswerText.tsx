import { useCallback, useMemo } from 'react';
import type { Citation } from '../api/types';
import { Markdown } from '../markdown/Markdown';
import { CitationChip } from './CitationChip';

interface Props {
  text: string;
  citations: Citation[];
  onOpenCitation: (c: Citation) => void;
}

/** The answer as Markdown, its `[n]` markers as chips that preview and open their source. */
export function AnswerText({ text, citations, onOpenCitation }: Props) {
  const byNumber = useMemo(() => new Map(citations.map((c) => [c.number, c])), [citations]);
  const known = useMemo(() => new Set(byNumber.keys()), [byNumber]);
  const renderCitation = useCallback(
    (n: number) => {
      const c = byNumber.get(n);
      return c ? <CitationChip citation={c} onOpen={onOpenCitation} /> : null;
    },
    [byNumber, onOpenCitation],
  );
  return <Markdown className="answer-text" text={text} citations={known} renderCitation={renderCitation} />;
}
