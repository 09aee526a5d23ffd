import type { ServerResponse } from 'node:http';
import { accountOfRequest } from '../accounts';
import type { FaultInjector } from '../faults';
import { type InternalErrorAnswer, readRequestBody, sleep, startHttpServer } from '../http';
import { newRequestId } from '../s3/errors';
import { invalidParameter, type RecordedMessage, SnsRequestError } from './model';
import {
  childrenOf,
  messageAttributesOf,
  parseQuery,
  type QueryParams,
  queryError,
  queryResponse,
  stringMapOf,
  xmlElements,
} from './query';
import { type PublishInput, SnsService } from './service';

/*
 * The sandbox's SNS: the Query protocol of @aws-sdk/client-sns, for the topic and publish calls the stack
 * makes. Every message published is recorded, and kept in the state file across restarts.
 */

export interface SnsSandboxOptions {
  /** @default 0, a free port */
  readonly port?: number;
  /** JSON file holding the topics and the messages; read on start, written shortly after each change, on flush() and on close. */
  readonly stateFile: string;
  readonly faults: FaultInjector;
}

export interface RunningSns {
  readonly endpoint: string;
  /** Writes the state file now, every message published so far in it; rejects if the write fails. */
  flush(): Promise<void>;
  /** Stops the server, closes its sockets and writes the state file. */
  close(): Promise<void>;
  /** Every message published so far, oldest first, earlier runs included. */
  messages(): readonly RecordedMessage[];
}

type Action = (accountId: string, params: QueryParams) => string | undefined;

function publishInputOf(params: QueryParams): PublishInput {
  return {
    topicArn: params.get('TopicArn'),
    message: params.get('Message'),
    subject: params.get('Subject'),
    messageStructure: params.get('MessageStructure'),
    attributes: messageAttributesOf(params),
  };
}

function actions(service: SnsService): Readonly<Record<string, Action>> {
  return {
    CreateTopic: (accountId, params) =>
      xmlElements({ TopicArn: service.createTopic(accountId, params.get('Name'), stringMapOf(params, 'Attributes')) }),
    DeleteTopic: (_accountId, params) => {
      service.deleteTopic(params.get('TopicArn'));
      return undefined;
    },
    GetTopicAttributes: (_accountId, params) => {
      const attributes = Object.entries(service.topicAttributes(params.get('TopicArn')));
      return `<Attributes>${attributes.map(([key, value]) => `<entry>${xmlElements({ key, value })}</entry>`).join('')}</Attributes>`;
    },
    ListTopics: (accountId, params) => {
      const page = service.listTopics(accountId, params.get('NextToken'));
      const members = page.topicArns.map((topicArn) => `<member>${xmlElements({ TopicArn: topicArn })}</member>`);
      return `<Topics>${members.join('')}</Topics>${xmlElements({ NextToken: page.nextToken })}`;
    },
    Publish: (accountId, params) => {
      if (params.has('TargetArn') || params.has('PhoneNumber')) {
        throw new SnsRequestError('InvalidParameter', 400, 'Invalid parameter: the sandbox publishes to topics only (TopicArn)');
      }
      return xmlElements({ MessageId: service.publish(accountId, publishInputOf(params)).messageId });
    },
    PublishBatch: (accountId, params) => {
      const entries = childrenOf(params, 'PublishBatchRequestEntries.member').map((entry) => ({
        ...publishInputOf(entry),
        id: entry.get('Id') ?? '',
      }));
      const result = service.publishBatch(accountId, params.get('TopicArn'), entries);
      const successful = result.successful.map(({ id, messageId }) => `<member>${xmlElements({ Id: id, MessageId: messageId })}</member>`);
      const failed = result.failed.map(
        (failure) =>
          `<member>${xmlElements({ Id: failure.id, Code: failure.code, Message: failure.message, SenderFault: String(failure.senderFault) })}</member>`,
      );
      return `<Successful>${successful.join('')}</Successful><Failed>${failed.join('')}</Failed>`;
    },
  };
}

function send(response: ServerResponse, status: number, xml: string, requestId: string): void {
  response.writeHead(status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(xml),
    'x-amzn-requestid': requestId,
  });
  response.end(xml);
}

function sendError(response: ServerResponse, error: SnsRequestError, requestId: string): void {
  send(response, error.status, queryError(error.code, error.status, error.message, requestId), requestId);
}

/** SNS's 500 for a failure of its own: InternalError, which @aws-sdk/client-sns throws as InternalErrorException. */
const internalError: InternalErrorAnswer = (_request, response, error) =>
  sendError(response, new SnsRequestError('InternalError', 500, `The sandbox failed: ${error.message}`), newRequestId());

/** Past the bound, a body is the request's fault, as a message over SNS's 256 KiB is. */
const tooLarge = (maxBytes: number) => invalidParameter(`Invalid parameter: the request is over ${maxBytes} bytes, more than any SNS request can carry`);

/** The sandbox-only `GET` that answers `{ messages }`: every message published so far, oldest first (RecordedMessage). */
export const SANDBOX_MESSAGES_PATH = '/_sandbox/messages';

export async function startSns(options: SnsSandboxOptions): Promise<RunningSns> {
  const service = await SnsService.open(options.stateFile);
  const handlers = actions(service);

  const server = await startHttpServer(async (request, response) => {
    const requestId = newRequestId();
    const url = new URL(request.url ?? '/', 'http://sns');
    // Sandbox-only, outside SNS's API: AWS keeps no readable record of what was published. The console reads it.
    if (request.method === 'GET' && url.pathname === SANDBOX_MESSAGES_PATH) {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ messages: service.messages }));
      return;
    }
    try {
      // A GET carries the parameters in the query string, a POST in a form body; the SDK and the AWS CLI POST.
      const params = parseQuery(`${url.search.slice(1)}&${(await readRequestBody(request, response, tooLarge)).toString('utf8')}`);
      const action = params.get('Action') ?? '';
      const fault = options.faults.onRequest('sns', action);
      if (fault?.delayMs !== undefined) await sleep(fault.delayMs);
      if (fault?.error !== undefined) throw new SnsRequestError(fault.error.code, fault.error.status, fault.error.message);
      const handler = Object.hasOwn(handlers, action) ? handlers[action] : undefined;
      if (handler === undefined) {
        throw new SnsRequestError('InvalidAction', 400, `The action ${action || '(none)'} is not valid for this endpoint.`);
      }
      send(response, 200, queryResponse(action, handler(accountOfRequest(request.headers.authorization).accountId, params), requestId), requestId);
    } catch (error) {
      if (!(error instanceof SnsRequestError)) throw error;
      sendError(response, error, requestId);
    }
  }, options.port, internalError);

  return {
    endpoint: server.endpoint,
    messages: () => [...service.messages],
    flush: () => service.flush(),
    close: async () => {
      await server.close();
      await service.flush();
    },
  };
}
