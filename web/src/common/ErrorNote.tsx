import { errorMessage } from '../api/errors';

export function ErrorNote({ error, label }: { error: unknown; label?: string }) {
  if (!error) return null;
  return (
    <p className="error-note" role="alert">
      {label ? `${label}: ` : ''}
      {errorMessage(error)}
    </p>
  );
}
