import type { TaskItem } from '../api/types';

export function TaskItems({ items, total }: { items: TaskItem[]; total: number }) {
  if (items.length === 0) return null;
  return (
    <details className="task-items">
      <summary>
        Documents ({items.length}
        {total > items.length ? ` of ${total}` : ''})
      </summary>
      <table>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Stage</th>
            <th scope="col">Segments</th>
          </tr>
        </thead>
        <tbody>
          {items.map((i) => (
            <tr key={i.id} className={i.error ? 'item-failed' : undefined}>
              <td>{i.path}</td>
              <td>{i.stage}</td>
              <td className="num">{i.segments}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
