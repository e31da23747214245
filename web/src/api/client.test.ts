import { describe, expect, it, vi } from 'vitest';
import { fakeFetch, json } from '../test/fakeFetch';
import { ApiClient, buildUrl } from './client';
import { ApiError } from './errors';

describe('ApiClient', () => {
  it('sends the bearer token and JSON body, and parses JSON', async () => {
    const fake = fakeFetch({ 'POST /api/search': ({ init }) => json({ auth: new Headers(init.headers).get('Authorization') }) });
    const api = new ApiClient({ fetchImpl: fake.fetch, getToken: () => 'tok', onUnauthorized: vi.fn() });
    await expect(api.post('/api/search', { query: 'x' })).resolves.toEqual({ auth: 'Bearer tok' });
    expect(fake.calls[0]?.body).toEqual({ query: 'x' });
  });

  it('turns the error body into an ApiError and calls onUnauthorized on 401', async () => {
    const onUnauthorized = vi.fn();
    const fake = fakeFetch({
      'GET /api/stats': () => json({ error: { code: 'unauthorized', message: 'Log in first' } }, 401),
      'GET /api/documents': () => json({ error: { code: 'forbidden', message: 'Admins only' } }, 403),
    });
    const api = new ApiClient({ fetchImpl: fake.fetch, getToken: () => null, onUnauthorized });
    await expect(api.get('/api/stats')).rejects.toMatchObject({ status: 401, code: 'unauthorized', message: 'Log in first' });
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    await expect(api.get('/api/documents')).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });

  it('survives a non-JSON error page and a 204', async () => {
    const fake = fakeFetch({
      'GET /api/x': () => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
      'DELETE /api/x': () => new Response(null, { status: 204 }),
    });
    const api = new ApiClient({ fetchImpl: fake.fetch, getToken: () => null, onUnauthorized: vi.fn() });
    await expect(api.get('/api/x')).rejects.toMatchObject({ status: 502, code: 'http_502' });
    await expect(api.delete('/api/x')).resolves.toBeUndefined();
  });

  it('builds query strings, skipping empty values and repeating arrays', () => {
    expect(buildUrl('', '/api/documents', { q: '', limit: 5, cursor: null, tag: ['a', 'b'], x: 'y z' })).toBe(
      '/api/documents?limit=5&tag=a&tag=b&x=y+z',
    );
  });
});
