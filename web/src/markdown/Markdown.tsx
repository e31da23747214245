// Markdown for answers and passages. The parser and highlighter load on first use, in their own
// chunk, so the app's first paint does not wait for them; until then the text shows as it is.
import { lazy, Suspense } from 'react';
import type { MarkdownProps } from './MarkdownView';

const MarkdownView = lazy(() => import('./MarkdownView'));

export function Markdown(props: MarkdownProps) {
  return (
    <Suspense fallback={<div className={`markdown plain ${props.className ?? ''}`}>{props.text}</div>}>
      <MarkdownView {...props} />
    </Suspense>
  );
}
