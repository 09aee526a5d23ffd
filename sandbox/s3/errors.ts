import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request the sandbox's S3 refuses, answered as S3 answers it: an XML `<Error>` with S3's code and status. */
export class S3RequestError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'S3RequestError';
  }
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}

export const newRequestId = () => randomBytes(8).toString('hex').toUpperCase();

/** HEAD answers carry no body, so the SDK reads the error from the status alone, as with AWS. */
export function sendS3Error(request: IncomingMessage, response: ServerResponse, error: S3RequestError): void {
  const requestId = newRequestId();
  const body =
    request.method === 'HEAD'
      ? ''
      : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code>` +
        `<Message>${escapeXml(error.message)}</Message><RequestId>${requestId}</RequestId></Error>`;
  response.writeHead(error.status, {
    'content-type': 'application/xml',
    'content-length': Buffer.byteLength(body),
    'x-amz-request-id': requestId,
    // The rest of a refused body is not worth reading; a fresh connection is cheaper than draining it.
    ...(request.complete ? {} : { connection: 'close' }),
  });
  response.end(body);
  request.resume();
}
