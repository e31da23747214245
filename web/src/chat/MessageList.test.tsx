import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { MessageList } from './MessageList';
import type { ChatMessage } from './types';

const m = (id: string, role: ChatMessage['role'], content: string, state: ChatMessage['state'] = 'complete'): ChatMessage => ({
  id,
  role,
  content,
  citations: [],
  steps: [],
  state,
});

describe('MessageList', () => {
  it('keeps each message element across streaming updates and new messages (stable keys)', () => {
    const onOpen = vi.fn();
    const first = [m('u1', 'user', 'q1'), m('a1', 'assistant', 'Part', 'streaming')];
    const { rerender } = render(<MessageList messages={first} onOpenCitation={onOpen} />);
    const answerNode = screen.getByText('Part').closest('article');
    rerender(<MessageList messages={[first[0]!, { ...first[1]!, content: 'Partial answer', state: 'complete' }]} onOpenCitation={onOpen} />);
    expect(screen.getByText('Partial answer').closest('article')).toBe(answerNode);
    // A new question/answer pair is appended; the earlier elements are not reused for it.
    rerender(
      <MessageList
        messages={[first[0]!, { ...first[1]!, content: 'Partial answer' }, m('u2', 'user', 'q2'), m('a2', 'assistant', '', 'streaming')]}
        onOpenCitation={onOpen}
      />,
    );
    expect(screen.getByText('Partial answer').closest('article')).toBe(answerNode);
    expect(screen.getAllByRole('article')).toHaveLength(4);
  });

  it('marks an incomplete answer visibly, with its error', () => {
    const msg = { ...m('a1', 'assistant', 'Half'), state: 'incomplete' as const, error: { code: 'llm_error', message: 'The model stopped.' } };
    render(<MessageList messages={[msg]} onOpenCitation={vi.fn()} />);
    expect(screen.getByRole('alert').textContent).toContain('Incomplete answer. The model stopped.');
  });

  it('labels extractive answers as extractive', () => {
    render(<MessageList messages={[{ ...m('a1', 'assistant', 'Text'), provider: 'extractive' }]} onOpenCitation={vi.fn()} />);
    expect(screen.getByText(/Extractive answer/)).toBeTruthy();
  });
});
