import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { AuthProvider } from './auth/AuthProvider';
import { takeHandoff } from './auth/ssoHandoff';
import { browserTokenStorage } from './auth/tokenStorage';
import { RouterProvider } from './router/RouterContext';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
// Before the router reads the address: the hand-off code leaves the address bar at once.
const handoff = takeHandoff(window.location, window.history);

createRoot(root).render(
  <StrictMode>
    <RouterProvider>
      <AuthProvider storage={browserTokenStorage()} handoff={handoff}>
        <App />
      </AuthProvider>
    </RouterProvider>
  </StrictMode>,
);
