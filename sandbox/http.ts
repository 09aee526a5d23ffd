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

/** Starts an HTTP server on 127.0.0.1; port 0 picks a free one. A handler's crash becomes a 500, never a hang. */
export async function startHttpServer(handler: RequestHandler, port = 0): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const handling = new Set<Promise<void>>();
  const server: Server = createServer((request, response) => {
    const handled = handler(request, response)
      .catch((error: unknown) => {
        if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalFailure' });
        }
        response.end(JSON.stringify({ message: `sandbox error: ${(error as Error).message}` }));
      })
      .finally(() => handling.delete(handled));
    handling.add(handled);
  });
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

export async function readBody(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
