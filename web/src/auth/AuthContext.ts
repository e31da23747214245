import { createContext, useContext } from 'react';
import type { Me } from '../api/types';

export type AuthStatus = 'loading' | 'login' | 'ready';

export interface AuthValue {
  status: AuthStatus;
  me: Me | null;
  /** Why the login page is shown, when it is not the first visit (a failed single sign-on). */
  notice: string | null;
  login: (email: string, password: string) => Promise<void>;
  logout: () => void;
  /** Ends every token of the user on every device (this one too), then shows the login page. */
  logoutEverywhere: () => Promise<void>;
}

export const AuthContext = createContext<AuthValue | null>(null);

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth must be used inside <AuthProvider>');
  return value;
}

/** With PAM_AUTH=none and no user row yet, /api/auth/me may 404: the caller is the local admin. */
export const LOCAL_ADMIN: Me = {
  id: null,
  email: 'local',
  name: 'Local admin',
  is_admin: true,
  auth_mode: 'none',
  via: 'local',
  read_only: false,
  projects: [],
};
