import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_DIR = path.resolve(WEB_DIR, '..');
export const SCREENSHOT_DIR = path.join(REPO_DIR, 'docs', 'screenshots');
export const PAM_BIN = path.join(REPO_DIR, '.venv', 'bin', 'pam');
export const PYTHON_BIN = path.join(REPO_DIR, '.venv', 'bin', 'python');
