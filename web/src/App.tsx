import { AdminPage } from './admin/AdminPage';
import { useAuth } from './auth/AuthContext';
import { LoginPage } from './auth/LoginPage';
import { ChatPage } from './chat/ChatPage';
import { ErrorBoundary } from './common/ErrorBoundary';
import { DocumentsPage } from './documents/DocumentsPage';
import { NavBar } from './NavBar';
import { useRouter } from './router/RouterContext';

const isChat = (path: string) => path === '/' || path === '/chat' || path.startsWith('/chat/');

function Page({ path }: { path: string }) {
  if (isChat(path)) return <ChatPage />;
  if (path === '/documents') return <DocumentsPage />;
  if (path === '/admin') return <AdminPage />;
  return (
    <section>
      <h1>Not found</h1>
      <p>There is no page at {path}.</p>
    </section>
  );
}

export function App() {
  const { status } = useAuth();
  const { path } = useRouter();
  if (status === 'loading') return <p className="loading-screen">Loading…</p>;
  if (status === 'login') return <LoginPage />;
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <NavBar />
      <main id="main" tabIndex={-1}>
        {/* One key per page, not per URL: a new conversation's URL must not remount the chat mid-answer. */}
        <ErrorBoundary key={isChat(path) ? '/chat' : path}>
          <Page path={path === '/login' ? '/' : path} />
        </ErrorBoundary>
      </main>
    </div>
  );
}
