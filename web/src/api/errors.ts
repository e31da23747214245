// One error type for every failed API call, carrying the server's {"error": {code, message}}.
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

export function isAbortError(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

export async function errorFromResponse(res: Response): Promise<ApiError> {
  let code = `http_${res.status}`;
  let message = res.statusText || `Request failed (${res.status})`;
  try {
    const body: unknown = await res.json();
    const detail = (body as { error?: { code?: unknown; message?: unknown } }).error;
    if (detail && typeof detail.code === 'string') code = detail.code;
    if (detail && typeof detail.message === 'string') message = detail.message;
  } catch {
    // Not JSON (a proxy's HTML page): keep the status text.
  }
  return new ApiError(res.status, code, message);
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
