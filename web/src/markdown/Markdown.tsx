// Markdown for answers and passages. The parser and highlighter are their own chunk, fetched right
// after the app starts (not before its first paint); if an answer comes first, its text shows as is.
import { lazy, Suspense } from 'react';
import type { MarkdownProps } from './MarkdownView';

const loadView = () => import('./MarkdownView');
const MarkdownView = lazy(loadView);
void loadView();

export function Markdown(props: MarkdownProps) {
  return (
    <Suspense fallback={<div className={`markdown plain ${props.className ?? ''}`}>{props.text}</div>}>
      <MarkdownView {...props} />
    </Suspense>
  );
}
