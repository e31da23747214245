import type { Citation } from '../api/types';
import { OpenOriginal } from './OpenOriginal';

interface Props {
  citations: Citation[];
  onOpenCitation: (c: Citation) => void;
  label?: string;
}

export function SourceList({ citations, onOpenCitation, label = 'Sources' }: Props) {
  if (citations.length === 0) return null;
  return (
    <ol className="source-list" aria-label={label}>
      {citations.map((c) => (
        <li key={c.number}>
          <button type="button" className="link-button" onClick={() => onOpenCitation(c)}>
            [{c.number}] {c.title}
            {c.section_path ? ` — ${c.section_path}` : ''}
          </button>{' '}
          <OpenOriginal citation={c} />
        </li>
      ))}
    </ol>
  );
}
