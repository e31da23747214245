import { useState } from 'react';
import type { DocumentOut } from '../api/types';
import { errorMessage } from '../api/errors';
import { formatBytes, formatDate } from '../common/format';

interface Props {
  doc: DocumentOut;
  onDelete: (doc: DocumentOut) => Promise<void>;
  onReindex: (doc: DocumentOut) => Promise<void>;
}

export function DocumentRow({ doc, onDelete, onReindex }: Props) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<string | null>(null);

  async function run(action: (d: DocumentOut) => Promise<void>, done: string) {
    setBusy(true);
    setNote(null);
    try {
      await action(doc);
      setNote(done);
    } catch (err) {
      setNote(errorMessage(err));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  return (
    <tr data-document-id={doc.id}>
      <td>
        <span className="doc-title">{doc.title}</span>
        <span className="muted doc-uri">{doc.uri}</span>
        {doc.error && <span className="error-text">{doc.error}</span>}
      </td>
      <td>{doc.source_type}</td>
      <td>
        <span className={`badge status-${doc.status}`}>{doc.status}</span>
      </td>
      <td className="num">{doc.segment_count}</td>
      <td className="num">{formatBytes(doc.size_bytes)}</td>
      <td>{formatDate(doc.updated_at)}</td>
      <td className="actions">
        {confirming ? (
          <span role="group" aria-label={`Confirm deleting ${doc.title}`}>
            <button type="button" className="danger" disabled={busy} onClick={() => void run(onDelete, 'Deleted')}>
              Confirm delete
            </button>
            <button type="button" onClick={() => setConfirming(false)} autoFocus>
              Cancel
            </button>
          </span>
        ) : (
          <>
            <button
              type="button"
              disabled={busy}
              aria-label={`Reindex ${doc.title}`}
              onClick={() => void run(onReindex, 'Reindex queued')}
            >
              Reindex
            </button>
            <button type="button" disabled={busy} aria-label={`Delete ${doc.title}`} onClick={() => setConfirming(true)}>
              Delete
            </button>
          </>
        )}
        {note && (
          <span className="muted" role="status">
            {note}
          </span>
        )}
      </td>
    </tr>
  );
}
