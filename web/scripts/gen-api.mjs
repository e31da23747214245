// Regenerates src/api/schema.d.ts from the server's OpenAPI document.
// Usage: npm run gen:api -- http://127.0.0.1:8000/openapi.json   (or a path to a JSON file)
// The fetched document is kept in openapi.json so the generated types can be rebuilt offline.
import { writeFile, readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = process.argv[2];
const jsonPath = path.join(webDir, 'openapi.json');

if (source) {
  const text = /^https?:\/\//.test(source)
    ? await fetch(source).then((r) => {
        if (!r.ok) throw new Error(`GET ${source} -> ${r.status}`);
        return r.text();
      })
    : await readFile(source, 'utf8');
  await writeFile(jsonPath, JSON.stringify(JSON.parse(text), null, 2) + '\n');
}
execFileSync(
  process.execPath,
  [path.join(webDir, 'node_modules/openapi-typescript/bin/cli.js'), jsonPath, '-o', path.join(webDir, 'src/api/schema.d.ts')],
  { stdio: 'inherit' },
);
