// Chromium driven by playwright-core (no browser download; chromiumBinary.mjs says which Chromium).
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumLaunch } from './chromiumBinary.mjs';
import { SCREENSHOT_DIR } from './paths.mjs';

export async function launchBrowser() {
  const { executablePath, args, env } = await chromiumLaunch();
  return chromium.launch({ executablePath, args, env, timeout: 60_000 });
}

export async function newPage(browser, baseURL) {
  const context = await browser.newContext({ baseURL, viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  return { context, page, consoleErrors };
}

/** Saves docs/screenshots/NAME.png (viewport only, which keeps it well under 300 KB). */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false, animations: 'disabled' });
  return { file, bytes: statSync(file).size };
}
