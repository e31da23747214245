// The cited passage in its document context: neighbours around it, the passage highlighted,
// and the quoted span inside it marked. Opens scrolled to the passage; Escape closes it.
import { useCallback, useEffect, useRef } from 'react';
import { useApi } from '../api/ApiContext';
import type { Citation, SegmentDetail } from '../api/types';
import { ErrorNote } from '../common/ErrorNote';
import { useResource } from '../common/useResource';
import { Markdown } from '../markdown/Markdown';
import { QUOTE_END, QUOTE_START } from '../markdown/rehypeQuoteMarks';
import { highlightQuote } from './highlightQuote';
import { OpenOriginal } from './OpenOriginal';

interface Props {
  citation: Citation;
  onClose: () => void;
}

export function SourceViewer({ citation, onClose }: Props) {
  const api = useApi();
  const load = useCallback(
    (signal: AbortSignal) =>
      api.get<SegmentDetail>(`/api/segments/${encodeURIComponent(citation.segment_id)}`, { signal }),
    [api, citation.segment_id],
  );
  const { data, error, loading } = useResource(load);
  const cited = useRef<HTMLElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, [citation.segment_id]);

  useEffect(() => {
    if (data) cited.current?.scrollIntoView?.({ block: 'center' });
  }, [data]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const split = data ? highlightQuote(data.content, citation.quote, citation.quote_start, citation.quote_end) : null;

  return (
    <aside className="source-viewer" role="dialog" aria-modal="false" aria-labelledby="source-title">
      <header className="source-header">
        <h2 id="source-title" tabIndex={-1} ref={heading}>
          [{citation.number}] {citation.title}
        </h2>
        <button type="button" className="icon-button" onClick={onClose} aria-label="Close source">
          ×
        </button>
      </header>
      <p className="muted source-meta">
        {citation.section_path}
        {citation.page !== null ? ` · page ${citation.page}` : ''}
        {citation.uri ? ` · ${citation.uri}` : ''}
      </p>
      <p className="source-actions">
        <OpenOriginal citation={citation} />
      </p>
      {loading && <p className="muted">Loading passage…</p>}
      <ErrorNote error={error} label="Could not load the passage" />
      {data && (
        <div className="source-body">
          {data.previous.map((s) => (
            <section key={s.id} className="segment neighbour">
              {s.section_path && <h3 className="segment-path">{s.section_path}</h3>}
              <Markdown text={s.content} />
            </section>
          ))}
          <section ref={cited} className="segment cited" aria-label="Cited passage" data-segment-id={data.id}>
            {data.section_path && <h3 className="segment-path">{data.section_path}</h3>}
            <Markdown
              text={split ? `${split.before}${QUOTE_START}${split.quote}${QUOTE_END}${split.after}` : data.content}
              quoteMarks={split !== null}
            />
          </section>
          {data.next.map((s) => (
            <section key={s.id} className="segment neighbour">
              {s.section_path && <h3 className="segment-path">{s.section_path}</h3>}
              <Markdown text={s.content} />
            </section>
          ))}
        </div>
      )}
    </aside>
  );
}
