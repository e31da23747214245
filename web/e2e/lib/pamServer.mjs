// Starts a real `pam serve` on a free loopback port with a temporary data dir, and serves the
// built UI: from the server itself when it serves web/dist, else through `vite preview`
// proxying /api to it (so the tests run before and after the backend serves the UI).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PAM_BIN, REPO_DIR, WEB_DIR } from './paths.mjs';
import { freePort, startProcess, waitFor } from './processes.mjs';

export async function startPam({ env = {}, seed = true, name = 'pam' } = {}) {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `pam-e2e-${name}-`));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const serverEnv = {
    ...process.env,
    PAM_DATA_DIR: dataDir,
    PAM_HOST: '127.0.0.1',
    PAM_PORT: String(port),
    PAM_LOG_FORMAT: 'console',
    PAM_LOG_LEVEL: 'warning',
    PAM_INGEST_CONCURRENCY: '1',
    PAM_WEB_DIR: path.join(WEB_DIR, 'dist'),
    ...(seed ? { PAM_SEED_DIR: path.join(REPO_DIR, 'examples', 'handbook') } : {}),
    ...env,
  };
  if (!seed) delete serverEnv.PAM_SEED_DIR;
  const proc = startProcess(PAM_BIN, ['serve'], {
    cwd: REPO_DIR,
    env: serverEnv,
    logFile: path.join(dataDir, 'server.log'),
  });
  const children = [proc];
  const handle = {
    url,
    uiUrl: url,
    dataDir,
    env: serverEnv,
    log: proc.log,
    async stop() {
      for (const child of children.reverse()) await child.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor('pam serve health', async () => (await fetch(`${url}/api/health`)).ok, { proc, timeoutMs: 90_000 });
    if (seed) await waitForIngestion(url, { proc });
    const index = await fetch(`${url}/`).then((r) => (r.ok ? r.text() : ''), () => '');
    if (!index.includes('id="root"')) {
      const uiPort = await freePort();
      const preview = startProcess(
        process.execPath,
        [path.join(WEB_DIR, 'node_modules/vite/bin/vite.js'), 'preview', '--host', '127.0.0.1', '--port', String(uiPort), '--strictPort'],
        { cwd: WEB_DIR, env: { ...process.env, PAM_API_URL: url }, logFile: path.join(dataDir, 'preview.log') },
      );
      children.push(preview);
      handle.uiUrl = `http://127.0.0.1:${uiPort}`;
      await waitFor('vite preview', async () => (await fetch(handle.uiUrl)).ok, { proc: preview, timeoutMs: 30_000 });
    }
    console.error(`# ${name}: pam serve at ${url}; UI ${handle.uiUrl === url ? 'served by pam serve' : `via vite preview at ${handle.uiUrl}`}`);
    return handle;
  } catch (err) {
    console.error(proc.log().slice(-4000));
    await handle.stop();
    throw err;
  }
}

/** Until no ingestion task is pending or running (the seed, or one a test started). */
// The sample handbook takes ~35 s on 2 idle cores, several times that on a busy machine.
export async function waitForIngestion(url, { proc, timeoutMs = 480_000, headers = {} } = {}) {
  await waitFor(
    'ingestion to finish',
    async () => {
      const res = await fetch(`${url}/api/ingest/tasks?status=active`, { headers });
      if (!res.ok) return false;
      const page = await res.json();
      return page.items.length === 0;
    },
    { proc, timeoutMs, intervalMs: 1000 },
  );
}
