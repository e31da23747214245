// The Sources page: add a Git repository with the form, watch its sync finish with its counts, then
// ask about it in the chat and open the citation: the passage, and a link to the original file.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, newPage, screenshot } from './lib/browser.mjs';
import { startPam } from './lib/pamServer.mjs';

const WEB_LINK = 'https://git.example.com/handbook/blob/{branch}/{path}';

function git(cwd, ...args) {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 'Ada Author',
    GIT_AUTHOR_EMAIL: 'ada@example.com',
    GIT_COMMITTER_NAME: 'Ada Author',
    GIT_COMMITTER_EMAIL: 'ada@example.com',
  };
  return execFileSync('git', args, { cwd, env, encoding: 'utf8' });
}

async function makeRepository(root) {
  const bare = path.join(root, 'handbook.git');
  const work = path.join(root, 'work');
  git(root, 'init', '--quiet', '--bare', '-b', 'main', bare);
  git(root, 'init', '--quiet', '-b', 'main', work);
  await mkdir(path.join(work, 'runbooks'), { recursive: true });
  await writeFile(
    path.join(work, 'runbooks', 'ferry.md'),
    '# Ferry outage runbook\n\n## Escalation\n\nWhen the zanzibar ferry ticketing system is down, page the harbour on-call engineer and post in #ops-harbour.\n',
  );
  await writeFile(
    path.join(work, 'runbooks', 'kiosk.md'),
    '# Kiosk runbook\n\n## Restart\n\nRestart the lobby kiosk from the admin console every Monday.\n',
  );
  git(work, 'add', '-A');
  git(work, 'commit', '--quiet', '-m', 'Runbooks');
  git(work, 'push', '--quiet', bare, 'HEAD:main');
  return `file://${bare}`;
}

describe('Sources page', { timeout: 600_000 }, () => {
  let dir;
  let server;
  let browser;
  let url;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pam-e2e-sources-'));
    url = await makeRepository(dir);
    server = await startPam({ name: 'sources', seed: false });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('add a Git source, sync it, see its counts, and open a citation from it', async () => {
    const { context, page, consoleErrors } = await newPage(browser, server.uiUrl);
    try {
      await page.goto('/');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources' }).click();
      await page.getByRole('heading', { name: 'Sources', level: 1 }).waitFor();
      await page.getByText('No sources yet').waitFor();

      const form = page.getByRole('form', { name: 'Add a source' });
      await form.getByLabel('Type').selectOption('git');
      await form.getByLabel('Name').fill('Harbour handbook');
      await form.getByLabel('Repository URL').fill(url);
      await form.getByLabel('Branch').fill('main');
      await form.getByLabel('Link for citations').fill(WEB_LINK);
      await form.getByLabel('Schedule').fill('every 2h');
      await form.getByRole('button', { name: 'Add and sync' }).click();

      const row = page.locator('tr[data-source="Harbour handbook"]');
      await row.waitFor();
      const counts = row.getByTestId('source-counts');
      await counts.waitFor({ timeout: 120_000 });
      assert.match(await counts.innerText(), /2 indexed · 0 unchanged · 0 removed · 0 failed/);
      assert.match(await row.getByTestId('source-last-sync').innerText(), /completed/);
      assert.equal(await row.getByTestId('source-documents').innerText(), '2');
      assert.match(await row.innerText(), /every 2h/);
      await screenshot(page, 'sources');

      // A second sync lists what changed since the synced commit: nothing.
      await row.getByRole('button', { name: 'Sync now' }).click();
      await page.waitForFunction(
        () => /^0 indexed · 0 unchanged · 0 removed · 0 failed$/.test(document.querySelector('tr[data-source="Harbour handbook"] [data-testid="source-counts"]')?.textContent?.trim() ?? ''),
        undefined,
        { timeout: 120_000 },
      );

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Chat' }).click();
      await page.getByLabel('Your question').fill('Who do we page when the zanzibar ferry ticketing system is down?');
      await page.getByRole('button', { name: 'Ask' }).click();
      const answer = page.locator('article.message-assistant').last();
      await page.waitForFunction(() => {
        const el = [...document.querySelectorAll('article.message-assistant')].pop();
        return el && el.getAttribute('data-state') !== 'streaming';
      });
      assert.equal(await answer.getAttribute('data-state'), 'complete');
      await answer.locator('button.citation-chip').first().click();
      const viewer = page.getByRole('dialog');
      const cited = viewer.locator('section.segment.cited');
      await cited.waitFor();
      assert.match(await cited.innerText(), /harbour on-call/);
      const original = viewer.getByRole('link', { name: 'Open original' });
      assert.equal(
        await original.getAttribute('href'),
        'https://git.example.com/handbook/blob/main/runbooks/ferry.md',
      );
      assert.deepEqual(consoleErrors, []);
    } finally {
      await context.close();
    }
  });
});
