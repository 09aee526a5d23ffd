import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';

/*
 * Requests no SDK would send, straight over HTTP: a body whose declared length is past every bound, and one
 * that never ends.
 */

export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A body declared this long, of which only the first chunk is sent: only an answer that trusts the declaration comes. */
export const declaredBody = (bytes: number) => ({ declaredBytes: bytes });
/** 64 KiB chunks for as long as the server reads them, as `@/dev/zero` would give. */
export const endlessBody = { declaredBytes: undefined };

/** POSTs the body until the server answers; the answer must come while the body is still on its way. */
export function post(url: string, headers: OutgoingHttpHeaders, body: { declaredBytes: number | undefined }): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let answered = false;
    const lengthHeader = body.declaredBytes === undefined ? {} : { 'content-length': body.declaredBytes };
    const request = httpRequest(url, { method: 'POST', headers: { ...headers, ...lengthHeader } }, (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      response.on('data', (data: Buffer) => chunks.push(data));
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    // The server closes the connection once it has answered; the rest of the body then has nowhere to go.
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (body.declaredBytes !== undefined) {
      request.write(chunk);
      return;
    }
    const pump = () => {
      while (!answered && !request.destroyed && request.write(chunk));
      if (!answered && !request.destroyed) request.once('drain', pump);
    };
    pump();
  });
}
