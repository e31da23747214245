// The login page: a button per OpenID provider the server lists, and the password form unless the
// server turned password login off. Provider buttons are plain links: the sign-in is a navigation.
import { useCallback, useState } from 'react';
import type { FormEvent } from 'react';
import { useApi } from '../api/ApiContext';
import { ApiError, errorMessage } from '../api/errors';
import type { Providers } from '../api/types';
import { useResource } from '../common/useResource';
import { useAuth } from './AuthContext';

function returnPath(): string {
  const here = window.location.pathname + window.location.search;
  return here === '/login' ? '/' : here;
}

export function LoginPage() {
  const { login, notice } = useAuth();
  const api = useApi();
  const loadProviders = useCallback(
    // An older server without the route: password login only.
    (signal: AbortSignal) => api.get<Providers>('/api/auth/providers', { signal }).catch((): null => null),
    [api],
  );
  const { data: providers, loading } = useResource(loadProviders);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const buttons = providers?.providers ?? [];
  const passwordLogin = providers?.password_login ?? true;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email, password);
    } catch (err) {
      setError(
        err instanceof ApiError && (err.status === 401 || err.status === 403)
          ? err.code === 'password_login_disabled'
            ? err.message
            : 'Wrong email or password.'
          : errorMessage(err),
      );
      setBusy(false);
    }
  }

  return (
    <main className="login-page">
      <div className="login-card">
        <h1 id="login-title">Sign in to PAM Context</h1>
        {notice && (
          <p className="error-note" role="alert">
            {notice}
          </p>
        )}
        {buttons.length > 0 && (
          <nav className="sso-buttons" aria-label="Single sign-on">
            {buttons.map((p) => (
              <a key={p.name} className="sso-button" href={`${p.login_url}?next=${encodeURIComponent(returnPath())}`}>
                Sign in with {p.label || p.name}
              </a>
            ))}
          </nav>
        )}
        {buttons.length > 0 && passwordLogin && <p className="login-or muted">or with your password</p>}
        {passwordLogin && (
          <form className="login-form" onSubmit={submit} aria-labelledby="login-title">
            <label htmlFor="login-email">Email</label>
            <input
              id="login-email"
              type="email"
              autoComplete="username"
              required
              autoFocus={buttons.length === 0}
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
            <label htmlFor="login-password">Password</label>
            <input
              id="login-password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
            {error && (
              <p className="error-note" role="alert">
                {error}
              </p>
            )}
            <button type="submit" disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </button>
          </form>
        )}
        {!loading && !passwordLogin && buttons.length === 0 && (
          <p className="muted">This server offers no way to sign in from a browser. Ask your administrator.</p>
        )}
      </div>
    </main>
  );
}
