// Server-Sent Events over fetch: POST routes cannot use EventSource, so the body is parsed here.
export interface SseMessage {
  event: string;
  data: string;
}

/** Incremental parser for the text/event-stream format; feed it chunks in any split. */
export function createSseParser(onMessage: (msg: SseMessage) => void) {
  let buffer = '';
  let event = '';
  let data: string[] = [];

  function dispatch() {
    if (data.length > 0) onMessage({ event: event || 'message', data: data.join('\n') });
    event = '';
    data = [];
  }

  function line(text: string) {
    if (text === '') return dispatch();
    if (text.startsWith(':')) return; // comment, e.g. ": heartbeat"
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }

  return {
    feed(chunk: string) {
      buffer += chunk;
      let idx: number;
      while ((idx = buffer.search(/\r\n|\r|\n/)) !== -1) {
        const sep = buffer[idx] === '\r' && buffer[idx + 1] === '\n' ? 2 : 1;
        // A lone trailing \r may be the first half of \r\n: wait for the next chunk.
        if (buffer[idx] === '\r' && idx + 1 === buffer.length) break;
        line(buffer.slice(0, idx));
        buffer = buffer.slice(idx + sep);
      }
    },
    /** End of stream: an event without its closing blank line is discarded, as the format says. */
    end() {
      // A held-back trailing \r was a line end after all (CR-only streams).
      if (buffer.endsWith('\r')) line(buffer.slice(0, -1));
      buffer = '';
      event = '';
      data = [];
    },
  };
}

/** Reads an SSE response body to its end, calling onMessage per event. */
export async function readSse(res: Response, onMessage: (msg: SseMessage) => void): Promise<void> {
  if (!res.body) throw new Error('The response has no body');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  const parser = createSseParser(onMessage);
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(value);
    }
  } finally {
    parser.end();
    reader.releaseLock();
  }
}
