// A real OpenID provider on loopback for the sign-in tests: the PyPI package oidc-provider-mock
// (installed with the dev extra), run from the project's venv in a process of its own.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PYTHON_BIN, REPO_DIR } from './paths.mjs';
import { freePort, startProcess, waitFor } from './processes.mjs';

export async function startOidcProvider() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'pam-e2e-oidc-'));
  const port = await freePort();
  // Its issuer is the address it is reached at; PAM and the browser both use this one.
  const issuer = `http://127.0.0.1:${port}`;
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PAM_')));
  const proc = startProcess(PYTHON_BIN, ['-m', 'oidc_provider_mock', '--host', '127.0.0.1', '--port', String(port)], {
    cwd: REPO_DIR,
    env,
    logFile: path.join(dir, 'provider.log'),
  });
  await waitFor('oidc-provider-mock', async () => (await fetch(`${issuer}/.well-known/openid-configuration`)).ok, {
    proc,
    timeoutMs: 60_000,
  });
  return {
    issuer,
    log: proc.log,
    /** What the provider will say about `subject` in its ID token (email, groups, ...). */
    async putPerson(subject, claims) {
      const res = await fetch(`${issuer}/users/${encodeURIComponent(subject)}`, {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(claims),
      });
      if (res.status !== 204) throw new Error(`oidc-provider-mock refused the person: ${res.status} ${await res.text()}`);
    },
    async stop() {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
