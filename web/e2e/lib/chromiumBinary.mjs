// Which Chromium the browser tests launch: $CHROMIUM_PATH if set, else Debian's /usr/bin/chromium if
// present, else the build that the npm package @sparticuz/chromium carries (a dev dependency), so the
// tests need nothing from apt. Nothing is downloaded: the package ships the binary brotli-compressed.
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WEB_DIR } from './paths.mjs';

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

// Chromium's background services call Google's hosts, which this closed network refuses (many
// connections at every start); these flags keep a headless test browser quiet.
export const QUIET_ARGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-domain-reliability',
  '--no-first-run',
  '--no-pings',
];

// Flags of @sparticuz/chromium's list left out: two weaken web security (the tests should see the
// browser a user has), and --single-process (for Lambda) ends the whole browser when one context
// closes, which breaks every test after the first.
const DROPPED_ARGS = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);

/** `{ executablePath, args, env, source }` for playwright's `chromium.launch`. */
export async function chromiumLaunch() {
  const chosen = process.env.CHROMIUM_PATH;
  const env = process.env;
  if (chosen) return { executablePath: chosen, args: systemArgs(), env, source: 'CHROMIUM_PATH' };
  if (existsSync(SYSTEM_CHROMIUM)) return { executablePath: SYSTEM_CHROMIUM, args: systemArgs(), env, source: 'system' };
  const { default: bundled } = await import('@sparticuz/chromium');
  const args = [...bundled.args.filter((a) => !DROPPED_ARGS.has(a)), '--disable-dev-shm-usage', ...QUIET_ARGS];
  const folder = await unpackedBundled(bundled);
  return {
    executablePath: path.join(folder, 'chromium'),
    args,
    env: { ...env, FONTCONFIG_FILE: path.join(folder, FONTS_CONF) },
    source: '@sparticuz/chromium',
  };
}

function systemArgs() {
  return ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', ...QUIET_ARGS];
}

// The package's own fonts.conf names Lambda's folders; ours adds the machine's fonts, if any, to the
// fonts the package ships (so a machine without fonts still renders text in screenshots).
const FONTS_CONF = 'pam-fonts.conf';

function fontsConf(folder) {
  return `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <dir>${path.join(folder, 'fonts', 'fonts')}</dir>
  <cachedir>${path.join(folder, 'fonts-cache')}</cachedir>
</fontconfig>
`;
}

/**
 * The package's `executablePath()` unpacks into os.tmpdir() non-atomically and trusts any
 * /tmp/chromium it finds (another version, or half written by a run that was killed, or by a
 * concurrent run). Unpack instead into a fresh folder and rename it into a per-version folder:
 * either the rename wins, or another run's complete folder is already there.
 */
async function unpackedBundled(bundled) {
  // The package exports no package.json; read it from node_modules.
  const manifest = path.join(WEB_DIR, 'node_modules', '@sparticuz', 'chromium', 'package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  const final = path.join(os.tmpdir(), `pam-e2e-chromium-${version}-${uid}`);
  const done = path.join(final, FONTS_CONF); // written last, so present only in a complete folder
  if (existsSync(done)) return final;

  const staging = mkdtempSync(`${final}.part-`);
  const tmpdir = process.env.TMPDIR;
  process.env.TMPDIR = staging; // executablePath() writes under os.tmpdir(), read at each call
  try {
    await bundled.executablePath();
  } finally {
    if (tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpdir;
  }
  writeFileSync(path.join(staging, FONTS_CONF), fontsConf(final));
  try {
    renameSync(staging, final);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(done)) throw err;
  }
  return final;
}
