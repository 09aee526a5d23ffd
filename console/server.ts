import { DataExchangeClient } from '@aws-sdk/client-dataexchange';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as z from 'zod';
import { PROVIDER_ACCOUNT, type SandboxAccount, SANDBOX_REGION, SUBSCRIBER_ACCOUNT } from '../sandbox/accounts';
import type { SandboxInfo } from '../sandbox/directory';
import { readRequestBody, SANDBOX_HOST, startHttpServer } from '../sandbox/http';
import { SANDBOX_MESSAGES_PATH } from '../sandbox/sns/server';
import { ConsoleApi, StatusFilter } from './api';
import { PAGE_DIR, pageScript } from './bundle';
import { dataView } from './data';

/*
 * The local console: one page on 127.0.0.1 and the JSON it polls, read through the sandbox's AWS APIs as the
 * provider (Step Functions, Data Exchange) and as the subscriber (Data Exchange, S3); the SNS messages alone
 * come from the sandbox-only SANDBOX_MESSAGES_PATH. The page's script, mermaid included, is
 * bundled from node_modules (console/bundle.ts), so the page needs no network.
 */

export interface ConsoleOptions {
  /** The sandbox to show: its endpoints, its publish state machine and its data set. */
  readonly sandbox: Pick<SandboxInfo, 'endpoints' | 'stateMachineArn' | 'dataSets'>;
  /** @default a free port */
  readonly port?: number;
}

export interface RunningConsole {
  readonly url: string;
  close(): Promise<void>;
}

const ExecutionRequest = z.object({ executionArn: z.string().startsWith('arn:') });

function send(response: ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

const sendJson = (response: ServerResponse, status: number, value: unknown) => send(response, status, 'application/json', JSON.stringify(value));

/**
 * The bound on a request's body. The console's POSTs carry one execution ARN, a few hundred bytes at most: 64 KiB
 * is far above any the page sends, and small enough that a broken or hostile client cannot make the console
 * buffer more.
 */
const MAX_BODY_BYTES = 64 * 1024;

/** A body over MAX_BODY_BYTES, refused by its declared length before a byte of it is read, else once it grows past. */
class RequestTooLarge extends Error {
  override readonly name = 'RequestTooLarge';
  readonly status = 413;
}

/** The body as JSON; past MAX_BODY_BYTES, RequestTooLarge, answered on a connection that closes (readRequestBody). */
async function readJson(request: IncomingMessage, response: ServerResponse): Promise<unknown> {
  const tooLarge = (maxBytes: number) => new RequestTooLarge(`A request to the console must have a body of at most ${maxBytes} bytes`);
  const body = await readRequestBody(request, response, tooLarge, MAX_BODY_BYTES);
  return JSON.parse(body.toString('utf8') || '{}');
}

/** An SDK client's settings for one sandbox account at one endpoint: the access key decides whose data it sees. */
const asAccount = (account: SandboxAccount, endpoint: string) => ({
  region: SANDBOX_REGION,
  endpoint,
  credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey },
  maxAttempts: 2,
});

/**
 * Another web page open in the same browser may send requests to 127.0.0.1 too. A POST (Redrive, Stop) must be
 * JSON, which a page of another origin cannot send without a CORS preflight this server never allows; and a
 * request must name the loopback address as its host, which a DNS-rebound name does not.
 */
function refusalOf(request: IncomingMessage): { status: number; name: string; message: string } | undefined {
  const host = (request.headers.host ?? '').replace(/:\d+$/, '');
  if (host !== SANDBOX_HOST && host !== 'localhost') return { status: 403, name: 'ForeignHost', message: `The console answers only at ${SANDBOX_HOST}, not ${host}` };
  if (request.method === 'POST' && request.headers['content-type']?.startsWith('application/json') !== true) {
    return { status: 415, name: 'NotJson', message: 'A POST to the console must be application/json' };
  }
  return undefined;
}

/** Starts the console's server; the page then reads everything through the sandbox's Step Functions endpoint. */
export async function startConsole(options: ConsoleOptions): Promise<RunningConsole> {
  const { endpoints } = options.sandbox;
  const sfn = new SFNClient(asAccount(PROVIDER_ACCOUNT, endpoints.sfn));
  const dataClients = {
    provider: new DataExchangeClient(asAccount(PROVIDER_ACCOUNT, endpoints.dataexchange)),
    subscriber: {
      dataExchange: new DataExchangeClient(asAccount(SUBSCRIBER_ACCOUNT, endpoints.dataexchange)),
      s3: new S3Client({ ...asAccount(SUBSCRIBER_ACCOUNT, endpoints.s3), forcePathStyle: true }),
    },
    messagesUrl: `${endpoints.sns}${SANDBOX_MESSAGES_PATH}`,
  };
  const api = new ConsoleApi(sfn, options.sandbox.stateMachineArn);
  const [script, html] = [await pageScript(), readFileSync(path.join(PAGE_DIR, 'index.html'), 'utf8')];
  const routes: Readonly<Record<string, (request: IncomingMessage, url: URL, response: ServerResponse) => Promise<unknown>>> = {
    'GET /api/executions': async (_, url) => ({ executions: await api.listExecutions(StatusFilter.parse(url.searchParams.get('status') || undefined)) }),
    'GET /api/execution': async (_, url) => api.execution(ExecutionRequest.parse({ executionArn: url.searchParams.get('arn') }).executionArn),
    'GET /api/data': async () => dataView(dataClients, options.sandbox.dataSets),
    'POST /api/redrive': async (request, _, response) => api.redrive(ExecutionRequest.parse(await readJson(request, response)).executionArn),
    'POST /api/stop': async (request, _, response) => api.stop(ExecutionRequest.parse(await readJson(request, response)).executionArn),
  };
  const server = await startHttpServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://console');
    const refusal = refusalOf(request);
    if (refusal !== undefined) return sendJson(response, refusal.status, { name: refusal.name, message: refusal.message });
    if (request.method === 'GET' && url.pathname === '/') return send(response, 200, 'text/html; charset=utf-8', html);
    if (request.method === 'GET' && url.pathname === '/app.js') return send(response, 200, 'text/javascript; charset=utf-8', script);
    const route = routes[`${request.method ?? ''} ${url.pathname}`];
    if (route === undefined) return sendJson(response, 404, { name: 'NotFound', message: `No ${request.method ?? ''} ${url.pathname} here` });
    try {
      sendJson(response, 200, await route(request, url, response));
    } catch (error) {
      // The API's own refusal (ExecutionNotRedrivable, a bad filter, ...) is shown on the page as AWS said it.
      const { name, message } = error as Error;
      const status =
        error instanceof RequestTooLarge
          ? error.status
          : error instanceof z.ZodError
            ? 400
            : ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 500);
      sendJson(response, status, { name, message });
    }
  }, options.port ?? 0);
  return {
    url: `${server.endpoint}/`,
    close: async () => {
      await server.close();
      for (const client of [sfn, dataClients.provider, dataClients.subscriber.dataExchange, dataClients.subscriber.s3]) client.destroy();
    },
  };
}
