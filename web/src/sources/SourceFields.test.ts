import { describe, expect, it } from 'vitest';
import { toBody } from './SourceFields';

describe('toBody', () => {
  it('keeps secrets apart from the config and leaves empty fields out', () => {
    expect(toBody('git', { url: ' https://example.com/r.git ', branch: '', token: 'tok', include: '*.md, docs/*' })).toEqual({
      config: { url: 'https://example.com/r.git', include: ['*.md', 'docs/*'] },
      credentials: { token: 'tok' },
    });
  });

  it('sends numbers as numbers and no credentials object when there are none', () => {
    expect(toBody('website', { start_url: 'https://docs.example.com/', max_pages: '20', requests_per_second: '0.5' })).toEqual({
      config: { start_url: 'https://docs.example.com/', max_pages: 20, requests_per_second: 0.5 },
    });
  });

  it('puts every Drive secret in the credentials', () => {
    const body = toBody('google_drive', { folder_id: 'abc', client_id: 'id', client_secret: 's', refresh_token: 'r' });
    expect(body.config).toEqual({ folder_id: 'abc' });
    expect(body.credentials).toEqual({ client_id: 'id', client_secret: 's', refresh_token: 'r' });
  });
});
