// Runs the `pam` CLI against a test server's data dir (same settings as the server).
import { spawnSync } from 'node:child_process';
import { PAM_BIN, REPO_DIR } from './paths.mjs';

export function pamCli(server, args, { input } = {}) {
  const res = spawnSync(PAM_BIN, args, { cwd: REPO_DIR, env: server.env, input, encoding: 'utf8', timeout: 60_000 });
  return { ok: res.status === 0, status: res.status, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
}

export function hasCommand(server, command) {
  return pamCli(server, [command, '--help']).ok;
}
