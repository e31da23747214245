import { useAuth } from './auth/AuthContext';
import { Link } from './router/Link';

export function NavBar() {
  const { me, logout } = useAuth();
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
            </button>
          </>
        )}
      </span>
    </header>
  );
}
