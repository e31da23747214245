import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { apiWrapper } from '../test/renderWithApi';
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

  const cited = {
    number: 1,
    segment_id: 's1',
    document_id: 'd1',
    title: 'DAU',
    section_path: 'Definition',
    page: null,
    uri: 'metrics/dau.md',
    quote: 'DAU counts distinct users.',
    quote_start: 0,
    quote_end: 26,
  };

  it('shows an ungrounded answer with a notice and the extractive answer beside it', () => {
    const onOpen = vi.fn();
    const msg: ChatMessage = {
      ...m('a1', 'assistant', 'DAU is an invented number.'),
      provider: 'openai',
      grounded: false,
      grounding: {
        reason: 'no_citations',
        action: 'flagged',
        alternative: { text: 'DAU counts distinct users. [1]', citations: [cited] },
      },
    };
    render(<MessageList messages={[msg]} onOpenCitation={onOpen} />, { wrapper: apiWrapper(vi.fn()) });
    expect(screen.getByRole('note').textContent).toContain('Not supported by the sources.');
    expect(screen.getByRole('note').textContent).toContain('cites no passage');
    const aside = screen.getByRole('complementary', { name: 'Extractive answer' });
    expect(aside.textContent).toContain('DAU counts distinct users.');
    screen.getByRole('button', { name: '[1] DAU — Definition' }).click();
    expect(onOpen).toHaveBeenCalledWith(cited);
    expect(screen.getByText('DAU is an invented number.')).toBeTruthy();
  });

  it('says when the extractive answer replaced the model\'s, and nothing when the answer is grounded', () => {
    const replaced: ChatMessage = {
      ...m('a1', 'assistant', 'DAU counts distinct users.'),
      grounded: true,
      grounding: { reason: 'unsupported', action: 'replaced', alternative: null },
    };
    const fine: ChatMessage = { ...m('a2', 'assistant', 'Fine.'), grounded: true, grounding: { reason: null, action: 'shown' } };
    render(<MessageList messages={[replaced, fine]} onOpenCitation={vi.fn()} />);
    const notes = screen.getAllByRole('note');
    expect(notes).toHaveLength(1);
    expect(notes[0]?.textContent).toContain('This is the extractive answer');
    expect(screen.queryByRole('complementary')).toBeNull();
  });
});
