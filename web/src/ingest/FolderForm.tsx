import { useState } from 'react';
import type { FormEvent } from 'react';

export function FolderForm({ onSubmit }: { onSubmit: (path: string) => Promise<void> }) {
  const [path, setPath] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!path.trim()) return;
    setBusy(true);
    try {
      await onSubmit(path.trim());
      setPath('');
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="folder-form" onSubmit={submit}>
      <label htmlFor="ingest-folder">Folder on the server</label>
      <input
        id="ingest-folder"
        value={path}
        onChange={(e) => setPath(e.target.value)}
        placeholder="/srv/docs/handbook"
        required
      />
      <button type="submit" disabled={busy || !path.trim()}>
        Ingest folder
      </button>
    </form>
  );
}
