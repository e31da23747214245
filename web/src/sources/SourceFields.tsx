// The fields of each kind of source. Secrets are password inputs, sent once and never shown again.
import type { SourceKind } from '../api/types';

export type Values = Record<string, string>;

interface Field {
  name: string;
  label: string;
  placeholder?: string;
  secret?: boolean;
  multiline?: boolean;
  required?: boolean;
  hint?: string;
}

export const FIELDS: Record<SourceKind, Field[]> = {
  git: [
    { name: 'url', label: 'Repository URL', placeholder: 'https://github.com/acme/handbook.git', required: true },
    { name: 'branch', label: 'Branch', placeholder: 'default branch' },
    { name: 'include', label: 'Include globs', placeholder: '*.md, docs/*', hint: 'comma separated; default: documents' },
    { name: 'token', label: 'Access token', secret: true, hint: 'for private https repositories' },
    {
      name: 'web_url',
      label: 'Link for citations',
      placeholder: 'https://git.example.com/handbook/blob/{branch}/{path}',
      hint: 'derived for GitHub and GitLab URLs',
    },
  ],
  github: [
    { name: 'repository', label: 'Repository', placeholder: 'owner/name', required: true },
    { name: 'token', label: 'Token', secret: true, hint: 'a fine-grained token with read access to issues' },
    { name: 'api_url', label: 'API URL', placeholder: 'https://api.github.com' },
  ],
  google_drive: [
    { name: 'folder_id', label: 'Folder id', placeholder: 'from the folder’s URL' },
    { name: 'drive_id', label: 'Shared drive id', hint: 'instead of a folder' },
    { name: 'service_account_json', label: 'Service account key (JSON)', secret: true, multiline: true },
    { name: 'client_id', label: 'OAuth client id', hint: 'or OAuth instead of a service account' },
    { name: 'client_secret', label: 'OAuth client secret', secret: true },
    { name: 'refresh_token', label: 'OAuth refresh token', secret: true },
  ],
  website: [
    { name: 'start_url', label: 'Start URL', placeholder: 'https://docs.example.com/', required: true },
    { name: 'sitemap_url', label: 'Sitemap URL' },
    { name: 'max_pages', label: 'Max pages', placeholder: '500' },
    { name: 'requests_per_second', label: 'Requests per second', placeholder: '2' },
    { name: 'authorization', label: 'Authorization header', secret: true, hint: 'for an internal site' },
  ],
  folder: [
    { name: 'path', label: 'Folder on the server', placeholder: '/srv/docs/handbook', required: true },
    { name: 'include', label: 'Include globs', placeholder: '*.md' },
  ],
};

const CREDENTIALS = new Set(['token', 'service_account_json', 'client_id', 'client_secret', 'refresh_token', 'authorization']);
const LISTS = new Set(['include']);
const NUMBERS = new Set(['max_pages', 'requests_per_second']);

/** `{config, credentials}` for the API from the form's values (empty fields left out). */
export function toBody(kind: SourceKind, values: Values): { config: Record<string, unknown>; credentials?: Record<string, string> } {
  const config: Record<string, unknown> = {};
  const credentials: Record<string, string> = {};
  for (const field of FIELDS[kind]) {
    const value = (values[field.name] ?? '').trim();
    if (!value) continue;
    if (CREDENTIALS.has(field.name)) credentials[field.name] = value;
    else if (LISTS.has(field.name)) config[field.name] = value.split(',').map((v) => v.trim()).filter(Boolean);
    else if (NUMBERS.has(field.name)) config[field.name] = Number(value);
    else config[field.name] = value;
  }
  return Object.keys(credentials).length ? { config, credentials } : { config };
}

export function SourceFields({ kind, values, onChange }: { kind: SourceKind; values: Values; onChange: (v: Values) => void }) {
  return (
    <>
      {FIELDS[kind].map((field) => {
        const id = `source-${kind}-${field.name}`;
        const props = {
          id,
          value: values[field.name] ?? '',
          placeholder: field.placeholder,
          required: field.required,
          autoComplete: field.secret ? 'off' : undefined,
          onChange: (e: { target: { value: string } }) => onChange({ ...values, [field.name]: e.target.value }),
        };
        return (
          <div className="form-field" key={id}>
            <label htmlFor={id}>{field.label}</label>
            {field.multiline ? <textarea rows={3} {...props} /> : <input type={field.secret ? 'password' : 'text'} {...props} />}
            {field.hint && <span className="muted field-hint">{field.hint}</span>}
          </div>
        );
      })}
    </>
  );
}
