// Owns the access token and the ApiClient built on it. A 401 from any call flips the app to the login page.
// After a single sign-on it first trades the hand-off code (see ssoHandoff.ts) for the token.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { ApiClient } from '../api/client';
import { ApiContext } from '../api/ApiContext';
import { ApiError, errorMessage, isAbortError } from '../api/errors';
import type { LoginResponse, Me, SignedIn } from '../api/types';
import { AuthContext, LOCAL_ADMIN } from './AuthContext';
import type { AuthStatus } from './AuthContext';
import { goTo } from './ssoHandoff';
import type { TokenStorage } from './tokenStorage';

interface Props {
  storage: TokenStorage;
  children: ReactNode;
  fetchImpl?: typeof fetch;
  /** A one-time code from the end of a single sign-on, to exchange before anything else. */
  handoff?: string | null;
  /** Where to go after a single sign-on (default: the history API, seen by the router). */
  onSignedIn?: (next: string) => void;
}

export function AuthProvider({ storage, children, fetchImpl, handoff = null, onSignedIn = goTo }: Props) {
  const [status, setStatus] = useState<AuthStatus>('loading');
  const [me, setMe] = useState<Me | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const [pendingHandoff, setPendingHandoff] = useState(handoff);
  const storageRef = useRef(storage);
  const onSignedInRef = useRef(onSignedIn);
  // The exchange works once: StrictMode's second effect run must reuse the first request.
  const exchangeRef = useRef<Promise<SignedIn> | null>(null);

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
    if (!pendingHandoff) return;
    let live = true;
    exchangeRef.current ??= api.post<SignedIn>('/api/auth/oidc/exchange', { code: pendingHandoff });
    exchangeRef.current.then(
      (res) => {
        if (!live) return;
        storageRef.current.set(res.access_token);
        onSignedInRef.current(res.next);
        setPendingHandoff(null);
      },
      (err: unknown) => {
        if (!live) return;
        setNotice(`The sign-in could not be completed: ${errorMessage(err)}`);
        setPendingHandoff(null);
      },
    );
    return () => {
      live = false;
    };
  }, [api, pendingHandoff]);

  useEffect(() => {
    if (pendingHandoff) return;
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
  }, [api, version, pendingHandoff]);

  const login = useCallback(
    async (email: string, password: string) => {
      const res = await api.post<LoginResponse>('/api/auth/login', { email, password });
      storageRef.current.set(res.access_token);
      setNotice(null);
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

  const logoutEverywhere = useCallback(async () => {
    await api.post('/api/auth/sign-out-everywhere');
    logout();
  }, [api, logout]);

  const value = useMemo(
    () => ({ status, me, notice, login, logout, logoutEverywhere }),
    [status, me, notice, login, logout, logoutEverywhere],
  );
  return (
    <ApiContext.Provider value={api}>
      <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
    </ApiContext.Provider>
  );
}
