import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useRafBatcher } from './useRafBatcher';

describe('useRafBatcher', () => {
  let frames: FrameRequestCallback[];

  beforeEach(() => {
    frames = [];
    vi.stubGlobal('requestAnimationFrame', (cb: FrameRequestCallback) => frames.push(cb));
    vi.stubGlobal('cancelAnimationFrame', (id: number) => {
      frames[id - 1] = () => undefined;
    });
  });
  afterEach(() => vi.unstubAllGlobals());

  const runFrames = () => {
    const pending = frames;
    frames = [];
    pending.forEach((cb) => cb(0));
  };

  it('delivers many pushes in one call per animation frame', () => {
    const onFlush = vi.fn();
    const { result } = renderHook(() => useRafBatcher(onFlush));
    act(() => {
      for (const t of ['a', 'b', 'c']) result.current.push(t);
    });
    expect(onFlush).not.toHaveBeenCalled();
    expect(frames).toHaveLength(1);
    act(runFrames);
    expect(onFlush).toHaveBeenCalledTimes(1);
    expect(onFlush).toHaveBeenCalledWith('abc');
  });

  it('flush delivers immediately and cancels the scheduled frame', () => {
    const onFlush = vi.fn();
    const { result } = renderHook(() => useRafBatcher(onFlush));
    act(() => {
      result.current.push('x');
      result.current.flush();
    });
    expect(onFlush).toHaveBeenCalledWith('x');
    act(runFrames);
    expect(onFlush).toHaveBeenCalledTimes(1);
  });

  it('always calls the latest callback (no stale closure) and keeps a stable identity', () => {
    const first = vi.fn();
    const second = vi.fn();
    const { result, rerender } = renderHook(({ cb }) => useRafBatcher(cb), { initialProps: { cb: first } });
    const before = result.current;
    rerender({ cb: second });
    expect(result.current).toBe(before);
    act(() => result.current.push('y'));
    act(runFrames);
    expect(first).not.toHaveBeenCalled();
    expect(second).toHaveBeenCalledWith('y');
  });

  it('drops buffered text on unmount', () => {
    const onFlush = vi.fn();
    const { result, unmount } = renderHook(() => useRafBatcher(onFlush));
    act(() => result.current.push('z'));
    unmount();
    runFrames();
    expect(onFlush).not.toHaveBeenCalled();
  });
});
