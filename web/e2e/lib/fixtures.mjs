// Test data on disk: a folder to ingest with many distinct documents, one that cannot be parsed and
// one image (not read: skipped with its reason).
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_DIR } from './paths.mjs';

export async function makeIngestFolder(root, { copies = 6 } = {}) {
  const folder = path.join(root, 'metrics-copy');
  const source = path.join(REPO_DIR, 'examples', 'handbook', 'metrics');
  await mkdir(folder, { recursive: true });
  const names = (await readdir(source)).filter((n) => n.endsWith('.md'));
  let count = 0;
  for (let i = 0; i < copies; i++) {
    for (const name of names) {
      const text = await readFile(path.join(source, name), 'utf8');
      // A distinct line per copy, so no copy is skipped as unchanged content.
      await writeFile(path.join(folder, `${i}-${name}`), `${text}\n\nCopy ${i} of ${name} for the UI test.\n`);
      count++;
    }
  }
  // Claims to be a PDF, is not: the ingestion must report it as a per-file error.
  await writeFile(path.join(folder, 'broken.pdf'), 'this is not a PDF at all\n');
  // An image beside the pages, as in any wiki: listed as not read, not as an error.
  await writeFile(path.join(folder, 'diagram.png'), Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'));
  return { folder, documents: count, broken: 'broken.pdf', image: 'diagram.png' };
}
