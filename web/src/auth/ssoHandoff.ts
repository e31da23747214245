// The end of an OpenID sign-in: the server redirects the browser to /sso#code=<one-time code>.
// The fragment never reaches a server (nor its logs); it is read once here and wiped from the
// address bar and the history entry before the app renders, then traded for a token.
export const HANDOFF_PATH = '/sso';
const CODE_SHAPE = /^[A-Za-z0-9_-]{32,128}$/;

export function takeHandoff(
  location: Pick<Location, 'pathname' | 'hash'>,
  history: Pick<History, 'replaceState'>,
): string | null {
  if (location.pathname !== HANDOFF_PATH) return null;
  const code = new URLSearchParams(location.hash.replace(/^#/, '')).get('code');
  history.replaceState(null, '', '/');
  return code && CODE_SHAPE.test(code) ? code : null;
}

/** Moves the app to `path` (the page the sign-in started from) through the router's popstate. */
export function goTo(path: string): void {
  window.history.replaceState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}
