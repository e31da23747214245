import type { Stats } from '../api/types';
import { formatBytes, formatDate } from '../common/format';

export function StatsPanel({ stats }: { stats: Stats }) {
  const docTotal = Object.values(stats.documents).reduce((a, b) => a + b, 0);
  const health = stats.index.health;
  return (
    <section aria-labelledby="stats-title" className="admin-card">
      <h2 id="stats-title">Overview</h2>
      <dl className="stat-grid">
        <div>
          <dt>Documents</dt>
          <dd data-testid="stat-documents">{docTotal}</dd>
        </div>
        <div>
          <dt>Segments</dt>
          <dd>{stats.segments}</dd>
        </div>
        <div>
          <dt>Projects</dt>
          <dd>{stats.projects}</dd>
        </div>
        <div>
          <dt>Users</dt>
          <dd>{stats.users}</dd>
        </div>
      </dl>
      <p>
        By status:{' '}
        {Object.entries(stats.documents)
          .map(([k, v]) => `${k} ${v}`)
          .join(' · ') || 'none'}
      </p>
      <h3>Index health</h3>
      <p>
        <span className={`badge health-${health.status}`}>{health.status}</span> {stats.index.segments} segments ·
        generation {stats.index.generation} · vectors {formatBytes(stats.index.vector_bytes)}
        {health.status !== 'ok' && health.detail ? ` · ${health.detail}` : ''}
      </p>
      <h3>Freshness</h3>
      <p>
        Last document update: {formatDate(stats.last_document_update)} · Last ingestion: {formatDate(stats.last_ingestion)}
      </p>
    </section>
  );
}
