import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

/** Loopback only, and by address: `localhost` would make SDKs use virtual-hosted bucket names. */
export const SANDBOX_HOST = '127.0.0.1';

export interface RunningServer {
  readonly endpoint: string;
  readonly port: number;
  /** Stops listening and destroys every open connection, keep-alive ones included. */
  close(): Promise<void>;
}

export type RequestHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** Starts an HTTP server on 127.0.0.1; port 0 picks a free one. A handler's crash becomes a 500, never a hang. */
export async function startHttpServer(handler: RequestHandler, port = 0): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    handler(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'application/json', 'x-amzn-errortype': 'InternalFailure' });
      }
      response.end(JSON.stringify({ message: `sandbox error: ${(error as Error).message}` }));
    });
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
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function readBody(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
