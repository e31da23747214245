// Answers and passages as Markdown: a model's table and code render as such with working citation
// chips; hostile passages (a <script>, a javascript: link) stay inert; "open original" downloads the
// file; a phone-width screen shows the chat and the sources.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, newPage } from './lib/browser.mjs';
import { PYTHON_BIN, REPO_DIR } from './lib/paths.mjs';
import { startPam, waitForIngestion } from './lib/pamServer.mjs';
import { freePort, startProcess, waitFor } from './lib/processes.mjs';

const ANSWER = [
  'Daily active users are counted per UTC day [1]:',
  '',
  '| metric | window |',
  '|---|---|',
  '| DAU | one UTC day [1] |',
  '',
  '```sql',
  "SELECT count(DISTINCT user_id) FROM events WHERE day = '2026-03-10';",
  '```',
].join('\n');

const HOSTILE = [
  '# Widget procurement note',
  '',
  'The widget procurement threshold is 4,200 euros per order.',
  '',
  '<script>window.__pwned = 1</script>',
  '<img src="x" onerror="window.__pwned = 2">',
  '',
  'See [the policy](javascript:window.__pwned=3) or [the wiki](https://wiki.example.com/procurement).',
].join('\n');

async function answered(page) {
  const answer = page.locator('article.message-assistant').last();
  await answer.waitFor();
  await page.waitForFunction(() => {
    const el = [...document.querySelectorAll('article.message-assistant')].pop();
    return el && el.getAttribute('data-state') !== 'streaming';
  });
  return answer;
}

async function ask(page, question) {
  await page.getByLabel('Your question').fill(question);
  await page.getByRole('button', { name: 'Ask' }).click();
  return answered(page);
}

describe('Markdown answers and passages', { timeout: 600_000 }, () => {
  let dir;
  let model;
  let llmServer;
  let server;
  let browser;
  let docs;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pam-e2e-md-'));
    docs = path.join(dir, 'docs');
    await mkdir(docs, { recursive: true });
    await writeFile(path.join(docs, 'procurement.md'), HOSTILE);
    const script = path.join(dir, 'script.json');
    await writeFile(
      script,
      JSON.stringify({
        turns: [[{ tool_use: { name: 'search_knowledge', input: { query: 'daily active users' } } }], [{ text: ANSWER }]],
        default_turn: [{ text: 'No more scripted answers.' }],
      }),
    );
    const port = await freePort();
    model = startProcess(PYTHON_BIN, ['-m', 'tests.fakes.model_server', '--script', script, '--port', String(port)], {
      cwd: REPO_DIR,
      env: { ...process.env },
      logFile: path.join(dir, 'model.log'),
    });
    await waitFor('fake model server', () => model.log().includes('listening'), { proc: model, timeoutMs: 30_000 });
    llmServer = await startPam({
      name: 'md-llm',
      env: {
        PAM_LLM_PROVIDER: 'openai',
        PAM_OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
        PAM_OPENAI_API_KEY: 'test',
        PAM_LLM_MODEL: 'fake',
      },
    });
    server = await startPam({ name: 'md', seed: false, env: { PAM_INGEST_ROOTS: dir } });
    const r = await fetch(`${server.url}/api/ingest/folder`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ path: docs }),
    });
    assert.equal(r.status, 202);
    await waitForIngestion(server.url);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await llmServer?.stop();
    await model?.stop('SIGINT');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test("a model's Markdown table and code render as such, with working chips", async () => {
    const { context, page, consoleErrors } = await newPage(browser, llmServer.uiUrl);
    try {
      await page.goto('/');
      const answer = await ask(page, 'How do we count daily active users?');
      assert.equal(await answer.getAttribute('data-state'), 'complete');
      await answer.locator('table td').first().waitFor();
      assert.equal(await answer.locator('table th').first().innerText(), 'metric');
      assert.match(await answer.locator('pre code').innerText(), /SELECT count\(DISTINCT user_id\)/);
      assert.ok((await answer.locator('pre code .hljs-keyword').count()) > 0, 'the SQL is highlighted');
      assert.ok(!(await answer.innerText()).includes('|---|'), 'no raw table syntax');
      const chips = answer.locator('button.citation-chip');
      assert.ok((await chips.count()) >= 2, 'a chip in the text and one inside the table');
      assert.ok((await answer.locator('table button.citation-chip').count()) >= 1);
      await chips.first().click();
      await page.getByRole('dialog').locator('section.segment.cited').waitFor();
      await answer.getByText('Answer details').click();
      assert.match(await answer.locator('.answer-details').innerText(), /Tokens in \/ out/);
      assert.deepEqual(consoleErrors, []);
    } finally {
      await context.close();
    }
  });

  test('a passage with a script and a javascript: link renders inert; open original downloads the file', async () => {
    const { context, page, consoleErrors } = await newPage(browser, server.uiUrl);
    try {
      await page.goto('/');
      const answer = await ask(page, 'What is the widget procurement threshold?');
      await answer.locator('button.citation-chip').first().click();
      const viewer = page.getByRole('dialog');
      await viewer.locator('section.segment.cited').waitFor();
      const pwned = await page.evaluate(() => window.__pwned);
      assert.equal(pwned, undefined, 'no script from the passage ran');
      assert.equal(await viewer.locator('script, img').count(), 0);
      const hrefs = await viewer.locator('a').evaluateAll((els) => els.map((a) => a.getAttribute('href') ?? ''));
      assert.ok(!hrefs.some((h) => /^\s*javascript:/i.test(h)), `no javascript: link in ${hrefs}`);
      assert.ok(hrefs.includes('https://wiki.example.com/procurement'));

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        viewer.getByRole('button', { name: 'Open original' }).click(),
      ]);
      assert.equal(download.suggestedFilename(), 'procurement.md');
      const saved = path.join(dir, 'downloaded.md');
      await download.saveAs(saved);
      assert.equal(await readFile(saved, 'utf8'), HOSTILE);
      assert.deepEqual(consoleErrors, []);
    } finally {
      await context.close();
    }
  });

  test('a phone-width screen shows the chat and, on a chip, the source; closing returns to the chat', async () => {
    const context = await browser.newContext({ baseURL: server.uiUrl, viewport: { width: 390, height: 844 } });
    context.setDefaultTimeout(30_000);
    const page = await context.newPage();
    try {
      await page.goto('/');
      const answer = await ask(page, 'What is the widget procurement threshold?');
      const box = await answer.boundingBox();
      assert.ok(box && box.width <= 390 && box.width > 250, `the answer fits the screen (${box?.width})`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 1, `no sideways scrolling (${overflow}px)`);
      await answer.locator('button.citation-chip').first().click();
      const viewer = page.getByRole('dialog');
      await viewer.locator('section.segment.cited').waitFor();
      const viewerBox = await viewer.boundingBox();
      assert.ok(viewerBox && viewerBox.width >= 380, 'the source takes the screen');
      await viewer.getByRole('button', { name: 'Close source' }).click();
      await answer.waitFor({ state: 'visible' });
      assert.ok(await page.getByLabel('Your question').isVisible());
    } finally {
      await context.close();
    }
  });
});
