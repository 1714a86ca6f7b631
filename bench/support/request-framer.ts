/**
 * Finds the HTTP/1.1 requests in the client→server byte stream of one connection, so a proxy
 * can count them without terminating HTTP itself. Handles keep-alive (many requests per
 * connection), Content-Length and chunked bodies, and connection upgrades: after a request that
 * asks for `Upgrade` (Docker's hijacked attach/exec streams), the rest of the connection is
 * raw bytes and is no longer parsed.
 */

export interface SeenRequest {
  method: string;
  /** The request target without its query string. */
  path: string;
  /** performance.now() when the request head was complete. */
  at: number;
}

type Mode = 'head' | 'body' | 'chunk-size' | 'chunk-data' | 'trailers' | 'raw';

/** Request heads larger than this are not HTTP from a Docker client: stop parsing. */
const MAX_HEAD = 64 * 1024;

export class RequestFramer {
  private mode: Mode = 'head';
  private buf: Buffer = Buffer.alloc(0);
  private remaining = 0;

  constructor(private readonly onRequest: (req: SeenRequest) => void) {}

  /** True once the connection carries raw (upgraded or unparseable) bytes. */
  get raw(): boolean {
    return this.mode === 'raw';
  }

  feed(chunk: Buffer): void {
    if (this.mode === 'raw') return;
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    while (this.step());
  }

  /** Consumes what it can of the buffer; false when it needs more bytes. */
  private step(): boolean {
    switch (this.mode) {
      case 'head':
        return this.head();
      case 'body':
      case 'chunk-data':
        return this.skip();
      case 'chunk-size': {
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) return false;
        const size = parseInt(this.buf.subarray(0, eol).toString('latin1').split(';')[0]!.trim(), 16);
        this.buf = this.buf.subarray(eol + 2);
        if (Number.isNaN(size)) return this.giveUp();
        // Chunk data is followed by its own CRLF.
        [this.mode, this.remaining] = size === 0 ? ['trailers', 0] : ['chunk-data', size + 2];
        return true;
      }
      case 'trailers': {
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) return false;
        this.buf = this.buf.subarray(eol + 2);
        if (eol === 0) this.mode = 'head';
        return true;
      }
      case 'raw':
        return false;
    }
  }

  private head(): boolean {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.buf.length > MAX_HEAD) this.giveUp();
      return false;
    }
    const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    this.buf = this.buf.subarray(end + 4);
    const [method, target] = (lines[0] ?? '').split(' ');
    if (!method || !target) return this.giveUp();
    const headers = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    this.onRequest({ method, path: target.split('?')[0]!, at: performance.now() });
    if (headers.has('upgrade')) return this.giveUp();
    if (/\bchunked\b/i.test(headers.get('transfer-encoding') ?? '')) {
      this.mode = 'chunk-size';
    } else {
      const length = Number(headers.get('content-length') ?? 0);
      [this.mode, this.remaining] = length > 0 ? ['body', length] : ['head', 0];
    }
    return true;
  }

  private skip(): boolean {
    const take = Math.min(this.remaining, this.buf.length);
    this.buf = this.buf.subarray(take);
    this.remaining -= take;
    if (this.remaining > 0) return false;
    this.mode = this.mode === 'body' ? 'head' : 'chunk-size';
    return true;
  }

  private giveUp(): false {
    this.mode = 'raw';
    this.buf = Buffer.alloc(0);
    return false;
  }
}
