import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { AuthProvider } from './auth/AuthProvider';
import { browserTokenStorage } from './auth/tokenStorage';
import { RouterProvider } from './router/RouterContext';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <RouterProvider>
      <AuthProvider storage={browserTokenStorage()}>
        <App />
      </AuthProvider>
    </RouterProvider>
  </StrictMode>,
);
