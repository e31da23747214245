// What the grounding check said about an answer: a notice when the answer is not supported by the
// sources (with the extractive answer offered beside it), or a note when it was replaced by it.
import type { Alternative, Citation, Grounding } from '../api/types';
import { AnswerText } from './AnswerText';
import { SourceList } from './SourceList';

const REASONS: Record<string, string> = {
  empty: 'The model gave no answer.',
  no_citations: 'The answer cites no passage from the knowledge base.',
  invalid_citation: 'The answer cited a source it was never shown; that citation was removed.',
  unsupported: 'A cited passage does not say what the answer claims.',
  wrong_language: 'The answer is not in the language of the question.',
};

export function reasonText(grounding: Grounding): string {
  return (grounding.reason && REASONS[grounding.reason]) || 'The answer could not be checked against the sources.';
}

export function UngroundedNotice({ grounding }: { grounding: Grounding }) {
  return (
    <p className="grounding-notice" role="note" data-reason={grounding.reason ?? undefined}>
      <strong>Not supported by the sources.</strong> {reasonText(grounding)}
      {grounding.alternative ? ' The extractive answer, quoted from the sources, is beside it.' : ''}
    </p>
  );
}

export function ReplacedNote({ grounding }: { grounding: Grounding }) {
  return (
    <p className="grounding-note" role="note" data-reason={grounding.reason ?? undefined}>
      The model's answer was not supported by the sources ({reasonText(grounding).replace(/\.$/, '').toLowerCase()}).
      This is the extractive answer, quoted from them.
    </p>
  );
}

interface AlternativeProps {
  alternative: Alternative;
  onOpenCitation: (c: Citation) => void;
}

export function AlternativeAnswer({ alternative, onOpenCitation }: AlternativeProps) {
  return (
    <aside className="grounding-alternative" aria-label="Extractive answer">
      <h3>Extractive answer</h3>
      <AnswerText text={alternative.text} citations={alternative.citations} onOpenCitation={onOpenCitation} />
      <SourceList citations={alternative.citations} onOpenCitation={onOpenCitation} label="Sources of the extractive answer" />
    </aside>
  );
}
