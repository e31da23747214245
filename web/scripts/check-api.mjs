// Fails when src/api/schema.d.ts is not what openapi.json generates (run `npm run gen:api` to fix).
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = await mkdtemp(path.join(os.tmpdir(), 'pam-api-'));
try {
  const out = path.join(tmp, 'schema.d.ts');
  execFileSync(
    process.execPath,
    [path.join(webDir, 'node_modules/openapi-typescript/bin/cli.js'), path.join(webDir, 'openapi.json'), '-o', out],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const [generated, committed] = await Promise.all([
    readFile(out, 'utf8'),
    readFile(path.join(webDir, 'src/api/schema.d.ts'), 'utf8'),
  ]);
  if (generated !== committed) {
    console.error('src/api/schema.d.ts is out of date with openapi.json: run `npm run gen:api` and commit it');
    process.exit(1);
  }
} finally {
  await rm(tmp, { recursive: true, force: true });
}
