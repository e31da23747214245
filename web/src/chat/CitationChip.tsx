import { useId, useState } from 'react';
import type { Citation } from '../api/types';

interface Props {
  citation: Citation;
  onOpen: (c: Citation) => void;
}

export function CitationChip({ citation, onOpen }: Props) {
  const [preview, setPreview] = useState(false);
  const tipId = useId();
  return (
    <span className="citation-wrap" onMouseEnter={() => setPreview(true)} onMouseLeave={() => setPreview(false)}>
      <button
        type="button"
        className="citation-chip"
        data-citation={citation.number}
        aria-label={`Source ${citation.number}: ${citation.title}`}
        aria-describedby={preview ? tipId : undefined}
        onFocus={() => setPreview(true)}
        onBlur={() => setPreview(false)}
        onKeyDown={(e) => e.key === 'Escape' && setPreview(false)}
        onClick={() => onOpen(citation)}
      >
        {citation.number}
      </button>
      {preview && (
        <span role="tooltip" id={tipId} className="citation-preview">
          <strong>{citation.title}</strong>
          {citation.section_path && <span className="muted"> · {citation.section_path}</span>}
          {citation.page !== null && <span className="muted"> · p. {citation.page}</span>}
          <span className="citation-quote">“{citation.quote}”</span>
        </span>
      )}
    </span>
  );
}
