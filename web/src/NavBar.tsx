import { useState } from 'react';
import { errorMessage } from './api/errors';
import { useAuth } from './auth/AuthContext';
import { Link } from './router/Link';

export function NavBar() {
  const { me, logout, logoutEverywhere } = useAuth();
  const [failed, setFailed] = useState<string | null>(null);

  async function everywhere() {
    setFailed(null);
    try {
      await logoutEverywhere();
    } catch (err) {
      setFailed(errorMessage(err));
    }
  }

  return (
    <header className="navbar">
      <span className="brand">PAM Context</span>
      <nav aria-label="Main">
        <Link to="/chat">Chat</Link>
        <Link to="/documents">Documents</Link>
        <Link to="/sources">Sources</Link>
        {me?.is_admin && <Link to="/admin">Admin</Link>}
      </nav>
      <span className="user">
        {me && me.auth_mode === 'required' && (
          <>
            <span className="muted">{me.email}</span>{' '}
            <button type="button" onClick={logout}>
              Sign out
            </button>{' '}
            {me.via === 'token' && (
              <button type="button" onClick={() => void everywhere()} title="End every session of yours, on every device">
                Sign out everywhere
              </button>
            )}
            {failed && (
              <span className="error-note" role="alert">
                {failed}
              </span>
            )}
          </>
        )}
      </span>
    </header>
  );
}
