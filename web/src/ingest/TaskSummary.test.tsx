import { render, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { TaskDetail, TaskItem } from '../api/types';
import { TaskSummary } from './TaskSummary';

const item = (path: string, stage: string, error_code: string, error: string): TaskItem => ({
  id: path,
  path,
  stage,
  document_id: null,
  segments: 0,
  error_code,
  error,
});

const detail: TaskDetail = {
  id: 't1',
  project_id: 'p',
  kind: 'folder',
  target: 'wiki',
  status: 'completed',
  total: 5,
  processed: 5,
  succeeded: 2,
  skipped: 2,
  failed: 1,
  deleted: 0,
  segments_created: 4,
  segments_embedded: 4,
  rate_per_s: 1,
  eta_s: null,
  elapsed_s: 3,
  created_at: '',
  started_at: '',
  finished_at: '',
  heartbeat_at: null,
  error: null,
  created_by: 'local',
  items: [],
  items_total: 5,
  errors: [item('broken.pdf', 'failed', 'corrupt', 'the file could not be parsed')],
  skips: [
    item('diagram.png', 'skipped', 'unsupported', 'PAM does not read .png files'),
    item('Untitled.md', 'skipped', 'empty', 'the file is empty'),
  ],
};

describe('TaskSummary', () => {
  it('lists files not read with their reasons apart from the files that failed', () => {
    render(<TaskSummary task={detail} detail={detail} />);
    const failed = screen.getAllByTestId('task-error');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.textContent).toContain('broken.pdf');
    const skipped = screen.getAllByTestId('task-skip');
    expect(skipped.map((li) => li.textContent)).toEqual([
      'diagram.png: PAM does not read .png files (unsupported)',
      'Untitled.md: the file is empty (empty)',
    ]);
    expect(within(screen.getByTestId('task-summary')).getByText('Files not read (2)')).toBeTruthy();
  });

  it('shows no lists when nothing failed or was skipped', () => {
    render(<TaskSummary task={detail} detail={{ ...detail, errors: [], skips: [] }} />);
    expect(screen.queryByTestId('task-error')).toBeNull();
    expect(screen.queryByTestId('task-skip')).toBeNull();
  });
});
