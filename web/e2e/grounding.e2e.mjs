// A model that answers without citing anything (the fake OpenAI-compatible server invents a
// definition): the answer is shown with a "not supported by the sources" notice and the extractive
// answer, quoted from the knowledge base, beside it; a reload shows the same (it is stored).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { launchBrowser, newPage, screenshot } from './lib/browser.mjs';
import { PYTHON_BIN, REPO_DIR } from './lib/paths.mjs';
import { startPam } from './lib/pamServer.mjs';
import { freePort, startProcess, waitFor } from './lib/processes.mjs';

const INVENTED = 'Active users are counted by the finance team once a quarter from paid invoices.';
const SOURCE_SENTENCE = 'A user counts as active on a day when they view a board, create a task or comment';

describe('an answer the sources do not support', { timeout: 300_000 }, () => {
  let dir;
  let model;
  let server;
  let browser;

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pam-e2e-grounding-'));
    const docs = path.join(dir, 'docs');
    await mkdir(docs);
    await writeFile(
      path.join(docs, 'active-users.md'),
      `# Active users\n\n## Definition\n\n${SOURCE_SENTENCE}. Opening the app alone does not make a user active.\n`,
    );
    const script = path.join(dir, 'script.json');
    await writeFile(script, JSON.stringify({ default_turn: [{ text: INVENTED }] }));
    const port = await freePort();
    model = startProcess(PYTHON_BIN, ['-m', 'tests.fakes.model_server', '--script', script, '--port', String(port)], {
      cwd: REPO_DIR,
      env: { ...process.env },
      logFile: path.join(dir, 'model.log'),
    });
    await waitFor('fake model server', () => model.log().includes('listening'), { proc: model, timeoutMs: 30_000 });
    server = await startPam({
      name: 'grounding',
      env: {
        PAM_SEED_DIR: docs,
        PAM_INGEST_ROOTS: docs,
        PAM_LLM_PROVIDER: 'openai',
        PAM_OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`,
        PAM_OPENAI_API_KEY: 'test',
        PAM_LLM_MODEL: 'fake',
        PAM_UNGROUNDED: 'flag',
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

  test('shows the notice and the extractive answer beside the model answer', async () => {
    const { context, page, consoleErrors } = await newPage(browser, server.uiUrl);
    try {
      await page.goto('/');
      const input = page.getByLabel('Your question');
      await input.fill('Who counts as an active user?');
      await input.press('Enter');
      const answer = page.locator('article.message-assistant[data-state="complete"]').first();
      await answer.waitFor();
      assert.equal(await answer.getAttribute('data-grounded'), 'false');
      assert.match(await answer.innerText(), new RegExp(INVENTED.slice(0, 40)));

      const notice = answer.getByRole('note');
      assert.match(await notice.innerText(), /Not supported by the sources\./);
      assert.match(await notice.innerText(), /cites no passage/);

      const alternative = answer.getByRole('complementary', { name: 'Extractive answer' });
      assert.match(await alternative.innerText(), new RegExp(SOURCE_SENTENCE.slice(0, 40)));
      // Its citation opens the passage it quotes.
      await alternative.getByRole('button', { name: /^\[1\] Active users/ }).click();
      await page.getByRole('dialog').getByText(new RegExp(SOURCE_SENTENCE.slice(0, 40))).first().waitFor();
      await page.keyboard.press('Escape');
      const shot = await screenshot(page, 'chat-ungrounded');
      assert.ok(shot.bytes < 300 * 1024, `chat-ungrounded screenshot is ${shot.bytes} bytes`);

      // Stored with the answer: a reload of the conversation shows the same.
      await page.reload();
      const stored = page.locator('article.message-assistant[data-grounded="false"]').first();
      await stored.waitFor();
      await stored.getByRole('complementary', { name: 'Extractive answer' }).waitFor();
      assert.deepEqual(consoleErrors, []);
    } finally {
      await context.close();
    }
  });
});
