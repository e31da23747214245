// Collects streamed text and hands it over at most once per animation frame, so a fast
// stream of tokens causes one React update per frame instead of one per token.
import { useCallback, useEffect, useMemo, useRef } from 'react';

export interface RafBatcher {
  push: (text: string) => void;
  /** Deliver whatever is buffered now (before a citation, done or error event). */
  flush: () => void;
  /** Drop the buffer and any scheduled frame. */
  cancel: () => void;
}

export function useRafBatcher(onFlush: (text: string) => void): RafBatcher {
  const buffer = useRef('');
  const frame = useRef<number | null>(null);
  const onFlushRef = useRef(onFlush);

  useEffect(() => {
    onFlushRef.current = onFlush;
  }, [onFlush]);

  const flush = useCallback(() => {
    if (frame.current !== null) {
      cancelAnimationFrame(frame.current);
      frame.current = null;
    }
    const text = buffer.current;
    buffer.current = '';
    if (text) onFlushRef.current(text);
  }, []);

  const push = useCallback(
    (text: string) => {
      buffer.current += text;
      if (frame.current === null) frame.current = requestAnimationFrame(flush);
    },
    [flush],
  );

  const cancel = useCallback(() => {
    if (frame.current !== null) cancelAnimationFrame(frame.current);
    frame.current = null;
    buffer.current = '';
  }, []);

  useEffect(() => cancel, [cancel]);
  return useMemo(() => ({ push, flush, cancel }), [push, flush, cancel]);
}
