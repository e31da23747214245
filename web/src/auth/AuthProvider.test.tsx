import { fireEvent, render, screen, waitFor } from '@testing-library/react';
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
});
