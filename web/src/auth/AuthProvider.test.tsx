import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { StrictMode } from 'react';
import { describe, expect, it } from 'vitest';
import { fakeFetch, json } from '../test/fakeFetch';
import { useAuth } from './AuthContext';
import { AuthProvider } from './AuthProvider';
import { LoginPage } from './LoginPage';
import type { TokenStorage } from './tokenStorage';

function memoryStorage(initial: string | null = null): TokenStorage & { value: string | null } {
  const s = {
    value: initial,
    get: () => s.value,
    set: (t: string | null) => {
      s.value = t;
    },
  };
  return s;
}

function Probe() {
  const { status, me } = useAuth();
  return status === 'login' ? <LoginPage /> : <p>{`${status}:${me?.email ?? '-'}:${me?.is_admin ? 'admin' : 'user'}`}</p>;
}

describe('AuthProvider', () => {
  it('treats a missing /api/auth/me (auth none) as the local admin', async () => {
    const fake = fakeFetch();
    render(
      <AuthProvider storage={memoryStorage()} fetchImpl={fake.fetch}>
        <Probe />
      </AuthProvider>,
    );
    await screen.findByText('ready:local:admin');
  });

  it('shows the login page on 401, reports a wrong password, and logs in', async () => {
    const storage = memoryStorage();
    const fake = fakeFetch({
      'GET /api/auth/me': ({ init }) =>
        new Headers(init.headers).get('Authorization') === 'Bearer good'
          ? json({ id: 'u', email: 'ann@example.com', is_admin: false, auth_mode: 'required' })
          : json({ error: { code: 'unauthorized', message: 'Log in' } }, 401),
      'POST /api/auth/login': ({ body }) =>
        (body as { password: string }).password === 'right'
          ? json({ access_token: 'good', token_type: 'bearer', expires_in: 1800 })
          : json({ error: { code: 'invalid_credentials', message: 'Wrong email or password' } }, 401),
    });
    render(
      <AuthProvider storage={storage} fetchImpl={fake.fetch}>
        <Probe />
      </AuthProvider>,
    );
    const email = await screen.findByLabelText('Email');
    const password = screen.getByLabelText('Password');
    fireEvent.change(email, { target: { value: 'ann@example.com' } });
    fireEvent.change(password, { target: { value: 'wrong' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/Wrong email or password/);
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'right' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    await screen.findByText('ready:ann@example.com:user');
    await waitFor(() => expect(storage.value).toBe('good'));
  });

  it('trades a hand-off code for a token once, then goes where the sign-in started', async () => {
    const storage = memoryStorage();
    const went: string[] = [];
    const fake = fakeFetch({
      'POST /api/auth/oidc/exchange': ({ body }) =>
        (body as { code: string }).code === 'c'.repeat(43)
          ? json({ access_token: 'sso-token', token_type: 'bearer', expires_in: 1800, next: '/documents' })
          : json({ error: { code: 'unauthorized', message: 'used' } }, 401),
      'GET /api/auth/me': ({ init }) =>
        new Headers(init.headers).get('Authorization') === 'Bearer sso-token'
          ? json({ id: 'u', email: 'sso@corp.example', is_admin: false, auth_mode: 'required' })
          : json({ error: { code: 'unauthorized', message: 'Log in' } }, 401),
    });
    render(
      <StrictMode>
        <AuthProvider storage={storage} fetchImpl={fake.fetch} handoff={'c'.repeat(43)} onSignedIn={(n) => went.push(n)}>
          <Probe />
        </AuthProvider>
      </StrictMode>,
    );
    await screen.findByText('ready:sso@corp.example:user');
    expect(storage.value).toBe('sso-token');
    expect(went).toEqual(['/documents']);
    // StrictMode runs effects twice; the code is still exchanged only once.
    expect(fake.calls.filter((c) => c.path === '/api/auth/oidc/exchange')).toHaveLength(1);
  });

  it('shows why on the login page when the hand-off fails', async () => {
    const fake = fakeFetch({
      'POST /api/auth/oidc/exchange': () =>
        json({ error: { code: 'unauthorized', message: 'this sign-in code is unknown, expired or already used' } }, 401),
      'GET /api/auth/me': () => json({ error: { code: 'unauthorized', message: 'Log in' } }, 401),
    });
    render(
      <AuthProvider storage={memoryStorage()} fetchImpl={fake.fetch} handoff={'d'.repeat(43)} onSignedIn={() => {}}>
        <Probe />
      </AuthProvider>,
    );
    expect((await screen.findByRole('alert')).textContent).toMatch(/could not be completed: this sign-in code is unknown/);
  });

  it('shows a button per provider and hides the password form when the server turned it off', async () => {
    const fake = fakeFetch({
      'GET /api/auth/me': () => json({ error: { code: 'unauthorized', message: 'Log in' } }, 401),
      'GET /api/auth/providers': () =>
        json({
          auth_mode: 'required',
          password_login: false,
          providers: [
            { name: 'google', label: 'Google', login_url: '/api/auth/oidc/google/login' },
            { name: 'okta', label: '', login_url: '/api/auth/oidc/okta/login' },
          ],
        }),
    });
    render(
      <AuthProvider storage={memoryStorage()} fetchImpl={fake.fetch}>
        <Probe />
      </AuthProvider>,
    );
    const google = await screen.findByRole('link', { name: 'Sign in with Google' });
    expect(google.getAttribute('href')).toMatch(/^\/api\/auth\/oidc\/google\/login\?next=%2F/);
    expect(screen.getByRole('link', { name: 'Sign in with okta' })).toBeTruthy();
    expect(screen.queryByLabelText('Password')).toBeNull();
  });
});
