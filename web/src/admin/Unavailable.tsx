import { ApiError } from '../api/errors';
import { ErrorNote } from '../common/ErrorNote';

/** A 404 from an admin route means this server does not offer it (e.g. auth is off). */
export function Unavailable({ error, what }: { error: unknown; what: string }) {
  if (!error) return null;
  if (error instanceof ApiError && (error.status === 404 || error.status === 405)) {
    return <p className="muted">{what} are not available on this server.</p>;
  }
  return <ErrorNote error={error} />;
}
