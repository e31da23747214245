import type { DocumentOut } from '../api/types';
import { DocumentRow } from './DocumentRow';

interface Props {
  items: DocumentOut[];
  busy: boolean;
  onDelete: (doc: DocumentOut) => Promise<void>;
  onReindex: (doc: DocumentOut) => Promise<void>;
}

export function DocumentTable({ items, busy, onDelete, onReindex }: Props) {
  if (items.length === 0) return <p className="muted">No documents match.</p>;
  return (
    <table className="doc-table" aria-busy={busy}>
      <thead>
        <tr>
          <th scope="col">Title</th>
          <th scope="col">Source</th>
          <th scope="col">Status</th>
          <th scope="col">Segments</th>
          <th scope="col">Size</th>
          <th scope="col">Updated</th>
          <th scope="col">
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {items.map((d) => (
          <DocumentRow key={d.id} doc={d} onDelete={onDelete} onReindex={onReindex} />
        ))}
      </tbody>
    </table>
  );
}
