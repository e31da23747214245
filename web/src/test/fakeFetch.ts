// A fetch stand-in for hook tests: routes by "METHOD /path" to handlers, records calls.
export type Handler = (req: { url: URL; init: RequestInit; body: unknown }) => Response | Promise<Response>;

export interface FakeFetch {
  fetch: typeof fetch;
  calls: { method: string; path: string; body: unknown }[];
  on: (route: string, handler: Handler) => void;
}

export function fakeFetch(routes: Record<string, Handler> = {}): FakeFetch {
  const table = new Map(Object.entries(routes));
  const calls: FakeFetch['calls'] = [];
  const impl = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://test.local');
    const method = (init.method ?? 'GET').toUpperCase();
    const body = typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : init.body;
    calls.push({ method, path: url.pathname + url.search, body });
    if (init.signal?.aborted) throw new DOMException('Aborted', 'AbortError');
    const handler = table.get(`${method} ${url.pathname}`);
    if (!handler) return json({ error: { code: 'not_found', message: `no route ${method} ${url.pathname}` } }, 404);
    return handler({ url, init, body });
  };
  return { fetch: impl as typeof fetch, calls, on: (route, handler) => table.set(route, handler) };
}

export function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'Content-Type': 'application/json' } });
}

export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * An SSE body from chunks; `hold` keeps the stream open after the chunks (until aborted).
 * The abort signal errors the stream the way a real fetch body does.
 */
export function sseResponse(chunks: string[], opts: { hold?: boolean; signal?: AbortSignal | null } = {}): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      opts.signal?.addEventListener('abort', () => {
        try {
          controller.error(new DOMException('Aborted', 'AbortError'));
        } catch {
          // already closed
        }
      });
      for (const chunk of chunks) {
        await new Promise((r) => setTimeout(r, 0));
        if (opts.signal?.aborted) return;
        controller.enqueue(encoder.encode(chunk));
      }
      if (!opts.hold) controller.close();
    },
  });
  return new Response(stream, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}
