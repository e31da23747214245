// Browser tests against one real server with the sample handbook ingested (auth none, extractive answers).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, newPage, screenshot } from './lib/browser.mjs';
import { makeIngestFolder } from './lib/fixtures.mjs';
import { REPO_DIR } from './lib/paths.mjs';
import { startPam, waitForIngestion } from './lib/pamServer.mjs';

const MAX_SCREENSHOT_BYTES = 300 * 1024;

describe('PAM Context web UI (auth none, sample handbook)', { timeout: 900_000 }, () => {
  let server;
  let browser;
  let ingestRoot;

  before(async () => {
    ingestRoot = await mkdtemp(path.join(os.tmpdir(), 'pam-e2e-ingest-'));
    server = await startPam({ name: 'main', env: { PAM_INGEST_ROOTS: `${ingestRoot},${REPO_DIR}` } });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    if (ingestRoot) await rm(ingestRoot, { recursive: true, force: true });
  });

  test('a question streams an answer with citations; a citation opens the highlighted passage', async () => {
    const { context, page, consoleErrors } = await newPage(browser, server.uiUrl);
    try {
      await page.goto('/');
      await page.getByLabel('Your question').fill('How do we count daily active users?');
      await page.getByRole('button', { name: 'Ask' }).click();
      const answer = page.locator('article.message-assistant').last();
      await answer.waitFor();
      await page.waitForFunction(() => {
        const el = [...document.querySelectorAll('article.message-assistant')].pop();
        return el && el.getAttribute('data-state') !== 'streaming';
      });
      assert.equal(await answer.getAttribute('data-state'), 'complete');
      const chips = answer.locator('button.citation-chip');
      assert.ok((await chips.count()) > 0, 'the answer cites at least one source');
      assert.match(await answer.locator('.provider-label').innerText(), /Extractive/);
      // The URL names the conversation; the list shows it.
      await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
      await page.getByRole('navigation', { name: 'Conversations' }).getByText(/daily active/i).first().waitFor();

      await chips.first().hover();
      await page.getByRole('tooltip').waitFor();
      await chips.first().click();
      const viewer = page.getByRole('dialog');
      const cited = viewer.locator('section.segment.cited');
      await cited.waitFor();
      const quote = cited.locator('mark.quote');
      await quote.waitFor();
      assert.ok((await quote.innerText()).trim().length > 0, 'the quoted span is highlighted');
      assert.ok(await cited.isVisible());
      const shot = await screenshot(page, 'chat');
      assert.ok(shot.bytes < MAX_SCREENSHOT_BYTES, `chat screenshot is ${shot.bytes} bytes`);

      // Escape closes the viewer; a reload reopens the stored conversation with its citations.
      await page.keyboard.press('Escape');
      await viewer.waitFor({ state: 'detached' });
      await page.reload();
      await page.locator('article.message-assistant button.citation-chip').first().waitFor();
      assert.deepEqual(consoleErrors, []);
    } finally {
      await context.close();
    }
  });

  test('documents page through more documents than fit one page; the total matches the server', async () => {
    const res = await fetch(`${server.url}/api/documents?limit=1`);
    const { total } = await res.json();
    assert.ok(total > 5, `the handbook has more than one page of documents (${total})`);
    const { context, page } = await newPage(browser, server.uiUrl);
    try {
      await page.goto('/documents?limit=5');
      await page.getByTestId('documents-total').filter({ hasText: `(${total})` }).waitFor();
      const seen = new Set();
      for (let pageNo = 1; pageNo <= Math.ceil(total / 5); pageNo++) {
        const first = (pageNo - 1) * 5 + 1;
        await page.getByTestId('page-info').filter({ hasText: `Page ${pageNo} · ${first}–` }).waitFor();
        const rows = page.locator('table.doc-table[aria-busy="false"] tbody tr');
        await rows.first().waitFor();
        const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-document-id')));
        assert.ok(ids.length <= 5);
        ids.forEach((id) => seen.add(id));
        if (pageNo === 1) {
          const shot = await screenshot(page, 'documents');
          assert.ok(shot.bytes < MAX_SCREENSHOT_BYTES, `documents screenshot is ${shot.bytes} bytes`);
        }
        const next = page.getByRole('button', { name: 'Next' });
        if (pageNo < Math.ceil(total / 5)) await next.click();
        else assert.ok(await next.isDisabled(), 'no next page after the last');
      }
      assert.equal(seen.size, total, 'every document shown exactly once across the pages');
      await page.getByRole('button', { name: 'Previous' }).click();
      await page.getByTestId('page-info').filter({ hasText: `Page ${Math.ceil(total / 5) - 1} ` }).waitFor();

      // Title search narrows the list and the total.
      await page.getByRole('searchbox').fill('retention');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByTestId('page-info').filter({ hasText: 'Page 1 · 1–' }).waitFor();
      await page.waitForFunction(
        (t) => !document.querySelector('[data-testid="documents-total"]')?.textContent?.includes(`(${t})`),
        total,
      );
      const titles = await page.locator('table.doc-table .doc-title').allInnerTexts();
      assert.ok(titles.length > 0 && titles.every((t) => /retention/i.test(t)), titles.join(', '));
    } finally {
      await context.close();
    }
  });

  test('folder ingestion survives navigation and reload and ends with a summary incl. a per-file error', async () => {
    // Enough documents that the task is still running after a navigation and a reload.
    const fixture = await makeIngestFolder(ingestRoot, { copies: 20 });
    const { context, page } = await newPage(browser, server.uiUrl);
    try {
      await page.goto('/documents');
      await page.getByLabel('Folder on the server').fill(fixture.folder);
      await page.getByRole('button', { name: 'Ingest folder' }).click();
      const card = page.locator('article.task-card').first();
      await card.waitFor();
      await card.getByTestId('task-status').filter({ hasText: /pending|running|completed/ }).waitFor();

      // Away and back: the panel asks the server for active tasks again.
      await page.getByRole('link', { name: 'Chat' }).click();
      await page.getByLabel('Your question').waitFor();
      await page.getByRole('link', { name: 'Documents' }).click();
      await page.locator('article.task-card').first().waitFor();

      // A full reload: same again, from the server (and the tab's own record of its tasks).
      await page.reload();
      const resumed = page.locator('article.task-card').filter({ hasText: 'metrics-copy' }).first();
      await resumed.waitFor();
      // Still running after the reload: live counters, from the server, that keep moving.
      const progress = resumed.getByTestId('task-progress');
      await progress.waitFor();
      const processedAt = async () => Number((await progress.innerText()).split('/')[0]);
      // (task-progress is only rendered while the task runs, so the task survived the reload unfinished.)
      const seenAfterReload = await processedAt();
      await page.waitForFunction(
        (n) => {
          const el = document.querySelector('[data-testid="task-progress"]');
          return !el || Number(el.textContent.split('/')[0]) > n;
        },
        seenAfterReload,
        { timeout: 120_000 },
      );
      const summary = resumed.getByTestId('task-summary');
      await summary.waitFor({ timeout: 240_000 });
      const text = await summary.innerText();
      assert.match(text, new RegExp(`${fixture.documents} ingested`));
      assert.match(text, /1 failed/);
      const errors = resumed.getByTestId('task-error');
      await errors.first().waitFor();
      assert.equal(await errors.count(), 1);
      assert.match(await errors.first().innerText(), /broken\.pdf/);
      assert.match(text, /1 skipped/);
      const skips = resumed.getByTestId('task-skip');
      assert.equal(await skips.count(), 1);
      assert.match(await skips.first().innerText(), /diagram\.png: PAM does not read \.png files/);
    } finally {
      await context.close();
    }
    await waitForIngestion(server.url);
  });

  test('admin page shows stats, index health and recent tasks', async () => {
    const { context, page } = await newPage(browser, server.uiUrl);
    try {
      await page.goto('/admin');
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      const stats = await (await fetch(`${server.url}/api/stats`)).json();
      const docs = Object.values(stats.documents).reduce((a, b) => a + b, 0);
      assert.equal(await page.getByTestId('stat-documents').innerText(), String(docs));
      await page.getByRole('heading', { name: 'Recent ingestion tasks' }).waitFor();
      await page.getByRole('button', { name: /metrics-copy/ }).first().click();
      await page.getByRole('region', { name: 'Task errors' }).getByText('broken.pdf').waitFor();
      const shot = await screenshot(page, 'admin');
      assert.ok(shot.bytes < MAX_SCREENSHOT_BYTES, `admin screenshot is ${shot.bytes} bytes`);
    } finally {
      await context.close();
    }
  });
});
