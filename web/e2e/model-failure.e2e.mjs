// A model that dies mid-answer (the fake OpenAI-compatible server cuts the stream): the partial
// answer is shown as incomplete with the error, and the next question works.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, newPage } from './lib/browser.mjs';
import { PYTHON_BIN, REPO_DIR } from './lib/paths.mjs';
import { startPam } from './lib/pamServer.mjs';
import { freePort, startProcess, waitFor } from './lib/processes.mjs';

const PARTIAL = 'Daily active users are counted from qualifying events';

describe('a model failing mid-stream', { timeout: 300_000 }, () => {
  let dir;
  let model;
  let server;
  let browser;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pam-e2e-model-'));
    const script = path.join(dir, 'script.json');
    // First request: some text, then the connection drops. Every later request: a normal answer.
    await writeFile(
      script,
      JSON.stringify({
        turns: [[{ text: PARTIAL }, { delay: 0.3 }, { text: ' and then' }, { delay: 0.2 }, { drop: true }]],
        default_turn: [{ text: 'The second answer arrived in full.' }],
      }),
    );
    const port = await freePort();
    model = startProcess(PYTHON_BIN, ['-m', 'tests.fakes.model_server', '--script', script, '--port', String(port)], {
      cwd: REPO_DIR,
      env: { ...process.env },
      logFile: path.join(dir, 'model.log'),
    });
    await waitFor('fake model server', () => model.log().includes('listening'), { proc: model, timeoutMs: 30_000 });
    server = await startPam({
      name: 'model',
      seed: false,
      env: {
        PAM_LLM_PROVIDER: 'openai',
        PAM_OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
        PAM_OPENAI_API_KEY: 'test',
        PAM_LLM_MODEL: 'fake',
      },
    });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
    await model?.stop('SIGINT');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the partial answer is marked incomplete with the error; the next question works', async () => {
    const { context, page } = await newPage(browser, server.uiUrl);
    try {
      await page.goto('/');
      const input = page.getByLabel('Your question');
      await input.fill('How do we count daily active users?');
      await input.press('Enter');
      const first = page.locator('article.message-assistant').first();
      await first.and(page.locator('[data-state="incomplete"]')).waitFor();
      assert.match(await first.innerText(), new RegExp(PARTIAL));
      const note = first.locator('.incomplete-note');
      assert.match(await note.innerText(), /Incomplete answer/);
      assert.ok((await note.innerText()).length > 'Incomplete answer.'.length + 5, 'the error is explained');

      await input.fill('And weekly active users?');
      await page.getByRole('button', { name: 'Ask' }).click();
      const second = page.locator('article.message-assistant').nth(1);
      await second.and(page.locator('[data-state="complete"]')).waitFor();
      assert.match(await second.innerText(), /The second answer arrived in full\./);
      assert.match(await second.locator('.provider-label').innerText(), /openai/);
      // The first answer stays marked incomplete.
      assert.equal(await first.getAttribute('data-state'), 'incomplete');

      // Stored as incomplete on the server too: a reload still shows it so.
      await page.reload();
      await page.locator('article.message-assistant[data-state="incomplete"]').first().waitFor();
    } finally {
      await context.close();
    }
  });
});
