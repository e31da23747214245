// Where the access token lives between reloads. Passed around as an object (no module state).
export interface TokenStorage {
  get(): string | null;
  set(token: string | null): void;
}

const KEY = 'pam.access_token';

export function browserTokenStorage(storage: Storage = window.localStorage): TokenStorage {
  return {
    get: () => storage.getItem(KEY),
    set: (token) => (token ? storage.setItem(KEY, token) : storage.removeItem(KEY)),
  };
}
