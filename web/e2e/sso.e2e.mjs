// Single sign-on in a real browser against a real OpenID provider (oidc-provider-mock) on loopback:
// the login page's provider button, the provider's consent form, the way back, and what PAM made of
// it: a new user from the allowed domain (a viewer of handbook), a refusal outside that domain with
// nobody created, and the groups claim mapped to the editor role.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, newPage, screenshot } from './lib/browser.mjs';
import { startOidcProvider } from './lib/oidcProvider.mjs';
import { pamCli } from './lib/pamCli.mjs';
import { startPam } from './lib/pamServer.mjs';

function users(server) {
  const res = pamCli(server, ['users', 'list', '--json']);
  assert.ok(res.ok, `pam users list failed: ${res.stderr}`);
  return JSON.parse(res.stdout);
}

async function meOf(server, page) {
  const token = await page.evaluate(() => localStorage.getItem('pam.access_token'));
  assert.ok(token, 'no access token stored after the sign-in');
  const res = await fetch(`${server.url}/api/auth/me`, { headers: { Authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  return res.json();
}

/** From PAM's login page through the provider's consent form, as `subject`. */
async function signInAs(page, subject) {
  await page.getByRole('link', { name: 'Sign in with Mock SSO' }).click();
  await page.getByRole('heading', { name: 'Authorize Client' }).waitFor();
  await page.getByPlaceholder('sub').fill(subject);
  await page.getByRole('button', { name: 'Authorize' }).click();
}

describe('single sign-on with an OpenID provider', { timeout: 300_000 }, () => {
  let provider;
  let server;
  let browser;

  before(async () => {
    provider = await startOidcProvider();
    const providers = [
      {
        name: 'mock',
        label: 'Mock SSO',
        issuer: provider.issuer,
        client_id: 'pam-e2e',
        client_secret: 'e2e-client-secret-not-shown',
        allowed_domains: ['corp.example'],
        default_roles: { handbook: 'viewer' },
        group_roles: { 'handbook-editors': { handbook: 'editor' } },
      },
    ];
    server = await startPam({
      name: 'sso',
      seed: false,
      env: { PAM_AUTH: 'required', PAM_OIDC_PROVIDERS: JSON.stringify(providers) },
    });
    const made = pamCli(server, ['projects', 'add', 'handbook']);
    assert.ok(made.ok, made.stderr);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await provider?.stop();
  });

  test('a first sign-in from the allowed domain creates a viewer and lands where it started', async () => {
    await provider.putPerson('nia', { email: 'nia@corp.example', email_verified: true, name: 'Nia Okafor' });
    const { context, page, consoleErrors } = await newPage(browser, server.uiUrl);
    try {
      await page.goto('/documents');
      await page.getByRole('heading', { name: 'Sign in to PAM Context' }).waitFor();
      const shot = await screenshot(page, 'login-sso');
      assert.ok(shot.bytes < 300 * 1024, `login-sso screenshot is ${shot.bytes} bytes`);
      await signInAs(page, 'nia');
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
      await page.getByText('nia@corp.example').waitFor();
      // Back on the page the sign-in started from, with the hand-off code gone from the address bar.
      assert.equal(new URL(page.url()).pathname, '/documents');
      assert.equal(new URL(page.url()).hash, '');
      const me = await meOf(server, page);
      assert.equal(me.email, 'nia@corp.example');
      assert.deepEqual(
        me.projects.map((p) => [p.name, p.role]),
        [['handbook', 'viewer']],
      );
      const nia = users(server).find((u) => u.email === 'nia@corp.example');
      assert.ok(nia, 'the user was not created');
      assert.deepEqual(nia.sign_in, ['mock']);
      assert.equal(nia.name, 'Nia Okafor');
      assert.deepEqual(consoleErrors, []);
    } finally {
      await context.close();
    }
  });

  test('a sign-in from outside the allowed domains is refused and creates nobody', async () => {
    await provider.putPerson('mallory', { email: 'mallory@elsewhere.example', email_verified: true });
    const before = users(server).length;
    const { context, page } = await newPage(browser, server.uiUrl);
    try {
      await page.goto('/');
      const refusal = page.waitForResponse((r) => r.url().includes('/api/auth/oidc/mock/callback'));
      await signInAs(page, 'mallory');
      assert.equal((await refusal).status(), 403);
      await page.getByRole('heading', { name: 'Sign-in failed' }).waitFor();
      assert.match(await page.getByRole('alert').innerText(), /mallory@elsewhere\.example may not sign in here/);
      assert.equal(await page.evaluate(() => localStorage.getItem('pam.access_token')), null);
      assert.equal(users(server).length, before);
      assert.equal(users(server).find((u) => u.email === 'mallory@elsewhere.example'), undefined);
      // Its link leads back to the login page.
      await page.getByRole('link', { name: 'Back to sign in' }).click();
      await page.getByRole('heading', { name: 'Sign in to PAM Context' }).waitFor();
    } finally {
      await context.close();
    }
  });

  test('the groups claim maps to a role', async () => {
    await provider.putPerson('gus', {
      email: 'gus@corp.example',
      email_verified: true,
      groups: ['handbook-editors', 'unrelated'],
    });
    const { context, page } = await newPage(browser, server.uiUrl);
    try {
      await page.goto('/chat');
      await signInAs(page, 'gus');
      await page.getByText('gus@corp.example').waitFor();
      const me = await meOf(server, page);
      assert.deepEqual(
        me.projects.map((p) => [p.name, p.role]),
        [['handbook', 'editor']],
      );
      // "Sign out everywhere" ends this session: the stored token is refused afterwards.
      const token = await page.evaluate(() => localStorage.getItem('pam.access_token'));
      await page.getByRole('button', { name: 'Sign out everywhere' }).click();
      await page.getByRole('heading', { name: 'Sign in to PAM Context' }).waitFor();
      const res = await fetch(`${server.url}/api/auth/me`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(res.status, 401);
    } finally {
      await context.close();
    }
  });
});
