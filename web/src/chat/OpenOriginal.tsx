// "Open original": the source URL for remote documents, the file itself (a download through the API,
// with the caller's credentials) for folder and upload documents.
import { useState } from 'react';
import { useApi } from '../api/ApiContext';
import type { Citation } from '../api/types';

export function remoteUrl(uri: string | null): string | null {
  return uri && /^https?:\/\//i.test(uri) ? uri : null;
}

function filenameOf(res: Response, fallback: string): string {
  const header = res.headers.get('content-disposition') ?? '';
  const m = /filename\*=UTF-8''([^;]+)/i.exec(header);
  try {
    return m?.[1] ? decodeURIComponent(m[1]) : fallback;
  } catch {
    return fallback;
  }
}

export function OpenOriginal({ citation }: { citation: Citation }) {
  const api = useApi();
  const [failed, setFailed] = useState<string | null>(null);
  const url = remoteUrl(citation.uri);
  if (url) {
    return (
      <a className="open-original" href={url} target="_blank" rel="noopener noreferrer nofollow">
        Open original
      </a>
    );
  }
  const download = async () => {
    setFailed(null);
    try {
      const res = await api.send('GET', `/api/documents/${encodeURIComponent(citation.document_id)}/original`);
      const blob = await res.blob();
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = filenameOf(res, citation.title);
      document.body.appendChild(link);
      link.click();
      link.remove();
      window.setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (err) {
      setFailed(err instanceof Error ? err.message : 'The original could not be opened');
    }
  };
  return (
    <span className="open-original">
      <button type="button" className="link-button" onClick={() => void download()}>
        Open original
      </button>
      {failed && (
        <span className="muted" role="status">
          {' '}
          {failed}
        </span>
      )}
    </span>
  );
}
