import { Transform, type TransformCallback } from 'node:stream';
import type { IncomingHttpHeaders } from 'node:http';
import { S3RequestError } from './errors';

/*
 * aws-chunked is the framing SDKs use to stream a body whose checksum travels after it (or whose chunks are
 * signed one by one):
 *
 *   <hex size>[;chunk-signature=<sig>]\r\n <size bytes> \r\n ... 0[;chunk-signature=<sig>]\r\n <trailers> \r\n
 *
 * with each trailer a `name:value\r\n` line. An emulator that does not know the framing stores it as the
 * object's data; the decoder below turns it back into the object's bytes as they stream, in constant memory.
 */

/** The first value of a header; custom headers are typed as possibly repeated. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  const encodings = (headers['content-encoding'] ?? '').split(',').map((value) => value.trim());
  return encodings.includes('aws-chunked') || (headerValue(headers, 'x-amz-content-sha256') ?? '').startsWith('STREAMING-');
}

/** The object's own length: `x-amz-decoded-content-length`, which S3 requires with aws-chunked. */
export function decodedContentLength(headers: IncomingHttpHeaders): number {
  const declared = headerValue(headers, 'x-amz-decoded-content-length');
  if (declared === undefined) {
    throw new S3RequestError(
      'MissingContentLength',
      411,
      'An aws-chunked body needs the x-amz-decoded-content-length header (the length of the object itself).',
    );
  }
  if (!/^\d+$/.test(declared)) {
    throw new S3RequestError('InvalidRequest', 400, `x-amz-decoded-content-length is not a length: ${declared}`);
  }
  return Number(declared);
}

/** The headers a chunked request would have carried had it been sent plainly, with `length` bytes. */
export function withoutAwsChunked(headers: IncomingHttpHeaders, length: number): IncomingHttpHeaders {
  const {
    'content-encoding': encoding,
    'x-amz-decoded-content-length': _decoded,
    'x-amz-trailer': _trailer,
    'transfer-encoding': _transfer,
    ...rest
  } = headers;
  const otherEncodings = (encoding ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '' && value !== 'aws-chunked');
  return {
    ...rest,
    ...(otherEncodings.length > 0 && { 'content-encoding': otherEncodings.join(',') }),
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    'content-length': String(length),
  };
}

/** A chunk-size line or a trailer is short; anything longer means the framing is not what it claims. */
const MAX_LINE_BYTES = 8192;
const LF = 0x0a;

type DecoderState = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

export class AwsChunkedDecoder extends Transform {
  /** The trailers after the last chunk, by lower-case name (`x-amz-checksum-crc32`, ...). */
  readonly trailers = new Map<string, string>();
  private decoded = 0;
  private state: DecoderState = 'size';
  private remaining = 0;
  private line: Buffer[] = [];
  private lineBytes = 0;

  constructor(private readonly expectedLength: number) {
    super();
  }

  get decodedBytes(): number {
    return this.decoded;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    // With no checksum to send, the SDK ends the body right after `0\r\n`, without the closing blank line.
    const complete = this.state === 'done' || (this.state === 'trailer' && this.lineBytes === 0);
    if (complete) {
      callback();
      return;
    }
    callback(
      new S3RequestError(
        'IncompleteBody',
        400,
        `The aws-chunked body ended inside its framing (state ${this.state}) after ${this.decoded} decoded bytes; ` +
          `x-amz-decoded-content-length is ${this.expectedLength}.`,
      ),
    );
  }

  private consume(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.state === 'data') {
        const end = offset + Math.min(this.remaining, chunk.length - offset);
        this.push(chunk.subarray(offset, end));
        this.remaining -= end - offset;
        offset = end;
        if (this.remaining === 0) this.state = 'data-end';
        continue;
      }
      if (this.state === 'done') throw framingError('there are bytes after the final chunk and its trailers');
      const newline = chunk.indexOf(LF, offset);
      const end = newline === -1 ? chunk.length : newline + 1;
      this.line.push(chunk.subarray(offset, end));
      this.lineBytes += end - offset;
      offset = end;
      if (this.lineBytes > MAX_LINE_BYTES) {
        throw framingError(`a ${this.state === 'trailer' ? 'trailer' : 'chunk-size'} line runs past ${MAX_LINE_BYTES} bytes`);
      }
      if (newline !== -1) this.onLine(Buffer.concat(this.line).toString('latin1'));
    }
  }

  private onLine(raw: string): void {
    this.line = [];
    this.lineBytes = 0;
    if (!raw.endsWith('\r\n')) throw framingError(`a line ends with LF instead of CRLF: ${JSON.stringify(raw.slice(0, 80))}`);
    const text = raw.slice(0, -2);
    switch (this.state) {
      case 'data-end':
        if (text !== '') throw framingError('a chunk is longer than its chunk-size says');
        this.state = 'size';
        return;
      case 'size':
        this.onSizeLine(text);
        return;
      default:
        this.onTrailerLine(text);
    }
  }

  private onSizeLine(text: string): void {
    const match = /^([0-9a-fA-F]{1,15})(;.*)?$/.exec(text);
    if (match === null) throw framingError(`expected a hex chunk-size line, got ${JSON.stringify(text.slice(0, 80))}`);
    const size = Number.parseInt(match[1], 16);
    if (size === 0) {
      this.state = 'trailer';
      return;
    }
    if (this.decoded + size > this.expectedLength) {
      throw new S3RequestError(
        'IncompleteBody',
        400,
        `The aws-chunked body holds more than x-amz-decoded-content-length (${this.expectedLength}) bytes.`,
      );
    }
    this.decoded += size;
    this.remaining = size;
    this.state = 'data';
  }

  private onTrailerLine(text: string): void {
    if (text === '') {
      this.state = 'done';
      return;
    }
    const colon = text.indexOf(':');
    if (colon <= 0) throw framingError(`a trailer is not a name:value line: ${JSON.stringify(text.slice(0, 80))}`);
    this.trailers.set(text.slice(0, colon).trim().toLowerCase(), text.slice(colon + 1).trim());
  }
}

function framingError(problem: string): S3RequestError {
  return new S3RequestError('InvalidRequest', 400, `Malformed aws-chunked body: ${problem}.`);
}
