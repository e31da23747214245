import { StrictMode } from 'react';
import type { ReactNode } from 'react';
import { ApiClient } from '../api/client';
import { ApiContext } from '../api/ApiContext';

/** A StrictMode wrapper providing an ApiClient over the given fetch (for renderHook/render). */
export function apiWrapper(fetchImpl: typeof fetch, onUnauthorized: () => void = () => undefined) {
  const api = new ApiClient({ fetchImpl, getToken: () => null, onUnauthorized });
  return function Wrapper({ children }: { children: ReactNode }) {
    return (
      <StrictMode>
        <ApiContext.Provider value={api}>{children}</ApiContext.Provider>
      </StrictMode>
    );
  };
}
