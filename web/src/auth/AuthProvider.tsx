// Owns the access token and the ApiClient built on it. A 401 from any call flips the app to the login page.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { ApiClient } from '../api/client';
import { ApiContext } from '../api/ApiContext';
import { ApiError, isAbortError } from '../api/errors';
import type { LoginResponse, Me } from '../api/types';
import { AuthContext, LOCAL_ADMIN } from './AuthContext';
import type { AuthStatus } from './AuthContext';
import type { TokenStorage } from './tokenStorage';

interface Props {
  storage: TokenStorage;
  children: ReactNode;
  fetchImpl?: typeof fetch;
}

export function AuthProvider({ storage, children, fetchImpl }: Props) {
  const [status, setStatus] = useState<AuthStatus>('loading');
  const [me, setMe] = useState<Me | null>(null);
  const [version, setVersion] = useState(0);
  const storageRef = useRef(storage);

  const api = useMemo(
    () =>
      new ApiClient({
        fetchImpl,
        getToken: () => storageRef.current.get(),
        onUnauthorized: () => {
          storageRef.current.set(null);
          setMe(null);
          setStatus('login');
        },
      }),
    [fetchImpl],
  );

  useEffect(() => {
    const controller = new AbortController();
    api.get<Me>('/api/auth/me', { signal: controller.signal }).then(
      (value) => {
        setMe(value);
        setStatus('ready');
      },
      (err: unknown) => {
        if (controller.signal.aborted || isAbortError(err)) return;
        if (err instanceof ApiError && err.status === 401) return; // onUnauthorized already ran
        // 404: the auth routes are absent or no user exists yet (auth none): the local admin.
        setMe(LOCAL_ADMIN);
        setStatus('ready');
      },
    );
    return () => controller.abort();
  }, [api, version]);

  const login = useCallback(
    async (email: string, password: string) => {
      const res = await api.post<LoginResponse>('/api/auth/login', { email, password });
      storageRef.current.set(res.access_token);
      setStatus('loading');
      setVersion((v) => v + 1);
    },
    [api],
  );

  const logout = useCallback(() => {
    storageRef.current.set(null);
    setMe(null);
    setStatus('login');
  }, []);

  const value = useMemo(() => ({ status, me, login, logout }), [status, me, login, logout]);
  return (
    <ApiContext.Provider value={api}>
      <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
    </ApiContext.Provider>
  );
}
