// PAM_AUTH=required: the login page, a wrong password, a successful login, and a viewer who
// sees no admin pages. Users are created with the `pam users add` CLI.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, newPage, screenshot } from './lib/browser.mjs';
import { hasCommand, pamCli } from './lib/pamCli.mjs';
import { startPam } from './lib/pamServer.mjs';

const ADMIN = { email: 'admin@example.com', password: 'admin-password-1' };
const VIEWER = { email: 'viewer@example.com', password: 'viewer-password-1' };

describe('PAM Context web UI with PAM_AUTH=required', { timeout: 300_000 }, () => {
  let server;
  let browser;
  let cliMissing = null;

  before(async () => {
    server = await startPam({ name: 'auth', seed: false, env: { PAM_AUTH: 'required' } });
    if (!hasCommand(server, 'users')) {
      cliMissing = 'the `pam users` CLI is not available in this checkout yet';
      return;
    }
    pamCli(server, ['projects', 'add', 'handbook']);
    for (const [user, extra] of [
      [ADMIN, ['--admin']],
      [VIEWER, ['--project', 'handbook', '--role', 'viewer']],
    ]) {
      const res = pamCli(server, ['users', 'add', user.email, '--name', user.email.split('@')[0], '--password-stdin', ...extra], {
        input: `${user.password}\n`,
      });
      assert.ok(res.ok, `pam users add ${user.email} failed: ${res.stderr || res.stdout}`);
    }
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('login page, wrong password, successful login; a viewer sees no admin pages', async (t) => {
    if (cliMissing) {
      t.skip(cliMissing);
      return;
    }
    const { context, page } = await newPage(browser, server.uiUrl);
    try {
      await page.goto('/documents');
      await page.getByRole('heading', { name: 'Sign in to PAM Context' }).waitFor();

      await page.getByLabel('Email').fill(VIEWER.email);
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      assert.match(await page.getByRole('alert').innerText(), /wrong email or password/i);

      await page.getByLabel('Password').fill(VIEWER.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
      await page.getByText(VIEWER.email).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0, 'no admin link for a viewer');
      await page.goto('/admin');
      await page.getByText('You do not have access to the admin pages.').waitFor();
      // The server agrees: the stats route is refused to a viewer.
      const token = await page.evaluate(() => localStorage.getItem('pam.access_token'));
      const res = await fetch(`${server.url}/api/stats`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(res.status, 403);

      // Sign out, sign in as the admin: the admin pages are there.
      await page.getByRole('button', { name: 'Sign out', exact: true }).click();
      await page.getByLabel('Email').fill(ADMIN.email);
      await page.getByLabel('Password').fill(ADMIN.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('link', { name: 'Admin' }).click();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await page.getByRole('heading', { name: 'Users' }).waitFor();
      await page.getByRole('cell', { name: VIEWER.email, exact: true }).waitFor();
      await page.getByRole('heading', { name: 'Users' }).scrollIntoViewIfNeeded();
      const shot = await screenshot(page, 'admin-users');
      assert.ok(shot.bytes < 300 * 1024, `admin-users screenshot is ${shot.bytes} bytes`);
    } finally {
      await context.close();
    }
  });

  test('an expired or revoked token sends the user back to the login page', async (t) => {
    if (cliMissing) {
      t.skip(cliMissing);
      return;
    }
    const { context, page } = await newPage(browser, server.uiUrl);
    try {
      await page.addInitScript(() => localStorage.setItem('pam.access_token', 'not-a-valid-token'));
      await page.goto('/chat');
      await page.getByRole('heading', { name: 'Sign in to PAM Context' }).waitFor();
    } finally {
      await context.close();
    }
  });
});
