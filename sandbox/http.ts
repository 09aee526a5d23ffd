import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

/** Loopback only, and by address: `localhost` would make SDKs use virtual-hosted bucket names. */
export const SANDBOX_HOST = '127.0.0.1';

export interface RunningServer {
  readonly endpoint: string;
  readonly port: number;
  /**
   * Stops listening, destroys every open connection, keep-alive ones included, and waits for the handlers still
   * running: a service this one calls may close once it resolves.
   */
  close(): Promise<void>;
}

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/**
 * How a service answers a request its handler failed on unexpectedly: a 500 in the error shape of the service's
 * protocol, so that the SDK names the error as AWS's own 500 would be named, and retries it.
 */
export type InternalErrorAnswer = (request: IncomingMessage, response: ServerResponse, error: Error) => void;

/** Without a protocol to speak, a bare 500: every SDK reads it as a server error, which no body could say better. */
const bareInternalError: InternalErrorAnswer = (_request, response) => {
  response.writeHead(500, { 'content-length': 0 }).end();
};

/** How long an idle client connection stays open; `close()` ends every connection whatever its state. */
export const IDLE_CONNECTION_MS = 120_000;

/**
 * Starts an HTTP server on 127.0.0.1; port 0 picks a free one. A handler's crash becomes `internalError`'s 500,
 * never a hang, and never an unhandled rejection that would end the process.
 */
export async function startHttpServer(
  handler: RequestHandler,
  port = 0,
  internalError: InternalErrorAnswer = bareInternalError,
): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const handling = new Set<Promise<void>>();
  const server: Server = createServer((request, response) => {
    const handled = handler(request, response)
      .catch((error: unknown) => {
        try {
          internalError(request, response, error instanceof Error ? error : new Error(String(error)));
        } catch {
          // Half an answer cannot turn into an error (writeHead throws), nor can a failed error answer: the connection drops.
          response.destroy();
        }
      })
      .finally(() => handling.delete(handled));
    handling.add(handled);
  });
  // Clients keep idle connections open and reuse them. Node closes one after 5 s idle, and a request sent on it
  // as it closes fails with ECONNRESET or "socket hang up"; on a loaded machine a client's pause between polls
  // can reach that. AWS's endpoints keep idle connections far longer, so the sandbox does too.
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  server.headersTimeout = IDLE_CONNECTION_MS + 1000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, SANDBOX_HOST, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address !== null ? address.port : port;
  return {
    endpoint: `http://${SANDBOX_HOST}:${actualPort}`,
    port: actualPort,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all(handling);
    },
  };
}

/**
 * The bound on the JSON and Query services' request bodies. Step Functions documents a maximum request size of
 * 1 MB, a hard quota (https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). SNS and Data
 * Exchange document their members' bounds instead, and the largest request either can carry stays below it: a
 * 256 KiB message percent-encoded is at most 768 KiB, and an import job's 100 asset sources about 110 KB.
 */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** A body past its bound, of which the rest is left unread. */
class RequestBodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`The request body is over ${maxBytes} bytes`);
    this.name = 'RequestBodyTooLargeError';
  }
}

/** The whole stream, or a RequestBodyTooLargeError as soon as it grows past `maxBytes`, with the rest left unread. */
export function readBody(stream: Readable, maxBytes = Number.POSITIVE_INFINITY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const settle = (outcome: () => void) => {
      stream.off('data', onData).off('end', onEnd).off('error', onError);
      outcome();
    };
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length <= maxBytes) chunks.push(chunk);
      else {
        stream.pause();
        settle(() => reject(new RequestBodyTooLargeError(maxBytes)));
      }
    };
    const onEnd = () => settle(() => resolve(Buffer.concat(chunks)));
    const onError = (error: Error) => settle(() => reject(error));
    stream.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/**
 * A request's body, refused past `maxBytes` with the server's own error, `refusal`: by its declared length before a
 * byte is read, else once it grows past. The refusal's answer closes the connection, so that the rest of the body
 * is never read.
 */
export async function readRequestBody(
  request: IncomingMessage,
  response: ServerResponse,
  refusal: (maxBytes: number) => Error,
  maxBytes = MAX_REQUEST_BODY_BYTES,
): Promise<Buffer> {
  try {
    if (Number(request.headers['content-length'] ?? 0) > maxBytes) throw new RequestBodyTooLargeError(maxBytes);
    return await readBody(request, maxBytes);
  } catch (error) {
    if (!(error instanceof RequestBodyTooLargeError)) throw error;
    response.setHeader('connection', 'close');
    throw refusal(error.maxBytes);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
