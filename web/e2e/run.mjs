// `npm run e2e`: builds the UI, then runs every e2e/*.e2e.mjs with node's test runner, one file
// at a time (each starts its own `pam serve`). Bounded: the whole run is killed after E2E_TIMEOUT_S.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { WEB_DIR } from './lib/paths.mjs';

const timeoutS = Number(process.env.E2E_TIMEOUT_S ?? 1500);
const only = process.argv.slice(2);

if (!process.env.E2E_SKIP_BUILD) {
  const build = spawnSync(process.execPath, [path.join(WEB_DIR, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], {
    cwd: WEB_DIR,
    stdio: 'inherit',
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const e2eDir = path.join(WEB_DIR, 'e2e');
const files = readdirSync(e2eDir)
  .filter((f) => f.endsWith('.e2e.mjs'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort()
  .map((f) => path.join(e2eDir, f));

const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  cwd: WEB_DIR,
  stdio: 'inherit',
  detached: true,
});
const timer = setTimeout(() => {
  console.error(`e2e: still running after ${timeoutS}s, stopping`);
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // gone already
  }
  setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }, 10_000).unref();
}, timeoutS * 1000);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // gone already
    }
  });
}
child.on('exit', (code, signal) => {
  clearTimeout(timer);
  process.exit(code ?? (signal ? 1 : 0));
});
