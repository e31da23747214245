import { useRef, useState } from 'react';
import type { DragEvent } from 'react';

export function UploadDropzone({ onFiles }: { onFiles: (files: File[]) => Promise<void> }) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  const [busy, setBusy] = useState(false);

  async function send(files: File[]) {
    if (files.length === 0) return;
    setBusy(true);
    try {
      await onFiles(files);
    } finally {
      setBusy(false);
      if (input.current) input.current.value = '';
    }
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    void send(Array.from(e.dataTransfer.files));
  }

  return (
    <div
      className={`dropzone${over ? ' over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={onDrop}
    >
      <label htmlFor="ingest-upload">Drop files here, or choose files to upload</label>
      <input
        id="ingest-upload"
        ref={input}
        type="file"
        multiple
        disabled={busy}
        onChange={(e) => void send(Array.from(e.target.files ?? []))}
      />
    </div>
  );
}
