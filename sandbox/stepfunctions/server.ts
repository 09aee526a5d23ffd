import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as z from 'zod';
import { type InternalErrorAnswer, readRequestBody, startHttpServer, type RunningServer } from '../http';
import { SfnError } from './errors';
import type { ExecutionRecord, ExecutionStore } from './executions';
import { withoutExecutionData } from './history';

/*
 * The Step Functions endpoint: AWS JSON 1.0 (`X-Amz-Target: AWSStepFunctions.<Operation>`), the protocol
 * @aws-sdk/client-sfn and the AWS CLI speak. Timestamps go over the wire as epoch seconds.
 */

const Paging = { maxResults: z.number().int().min(0).max(1000).optional(), nextToken: z.string().optional() };
const Requests = {
  StartExecution: z.object({ stateMachineArn: z.string(), name: z.string().optional(), input: z.string().optional() }),
  DescribeExecution: z.object({ executionArn: z.string() }),
  GetExecutionHistory: z.object({
    executionArn: z.string(),
    reverseOrder: z.boolean().optional(),
    includeExecutionData: z.boolean().optional(),
    ...Paging,
  }),
  ListExecutions: z.object({ stateMachineArn: z.string().optional(), statusFilter: z.string().optional(), ...Paging }),
  StopExecution: z.object({ executionArn: z.string(), error: z.string().optional(), cause: z.string().optional() }),
  RedriveExecution: z.object({ executionArn: z.string(), clientToken: z.string().optional() }),
  DescribeStateMachine: z.object({ stateMachineArn: z.string() }),
  ListStateMachines: z.object({ ...Paging }),
} as const;
type Operation = keyof typeof Requests;

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/** One page of a list; the token is the offset of the next page. */
function page<T>(items: readonly T[], maxResults: number | undefined, nextToken: string | undefined) {
  const size = maxResults === undefined || maxResults === 0 ? 100 : maxResults;
  const start = nextToken === undefined ? 0 : Number.parseInt(nextToken, 10);
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw new SfnError('InvalidToken', `Invalid nextToken ${nextToken}`);
  const end = start + size;
  return { items: items.slice(start, end), nextToken: end < items.length ? String(end) : undefined };
}

function describe(record: Readonly<Omit<ExecutionRecord, 'events'>>, refusal: string | undefined) {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: seconds(record.startDate),
    stopDate: seconds(record.stopDate),
    input: record.input,
    inputDetails: { included: true },
    output: record.output,
    outputDetails: record.output === undefined ? undefined : { included: true },
    error: record.error,
    cause: record.cause,
    redriveCount: record.redriveCount,
    redriveDate: seconds(record.redriveDate),
    redriveStatus: refusal === undefined ? 'REDRIVABLE' : 'NOT_REDRIVABLE',
    redriveStatusReason: refusal,
  };
}

export function createStepFunctionsApi(store: ExecutionStore) {
  const execution = (executionArn: string) => {
    const record = store.get(executionArn);
    if (record === undefined) throw new SfnError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  };
  const handlers: { [K in Operation]: (request: z.infer<(typeof Requests)[K]>) => unknown } = {
    StartExecution: (request) => {
      const record = store.startChecked(request);
      return { executionArn: record.executionArn, startDate: seconds(record.startDate) };
    },
    DescribeExecution: (request) => {
      const record = execution(request.executionArn);
      // Its input and output are in its file once it has ended.
      return describe(store.recordOf(record), store.redriveRefusal(record));
    },
    GetExecutionHistory: (request) => {
      const history = store.eventsOf(execution(request.executionArn));
      const events = request.reverseOrder === true ? [...history].reverse() : history;
      const { items, nextToken } = page(events, request.maxResults, request.nextToken);
      return { events: request.includeExecutionData === false ? items.map(withoutExecutionData) : items, nextToken };
    },
    ListExecutions: (request) => {
      const stateMachine = store.checkStateMachine(request.stateMachineArn);
      const matching = store.list(stateMachine.arn).filter((r) => request.statusFilter === undefined || r.status === request.statusFilter);
      const { items, nextToken } = page(matching, request.maxResults, request.nextToken);
      return {
        executions: items.map((r) => ({
          executionArn: r.executionArn,
          stateMachineArn: r.stateMachineArn,
          name: r.name,
          status: r.status,
          startDate: seconds(r.startDate),
          stopDate: seconds(r.stopDate),
          redriveCount: r.redriveCount,
          redriveDate: seconds(r.redriveDate),
        })),
        nextToken,
      };
    },
    StopExecution: (request) => {
      const record = execution(request.executionArn);
      if (record.status === 'RUNNING') store.stop(record, request.error, request.cause);
      return { stopDate: seconds(Date.now()) };
    },
    RedriveExecution: (request) => {
      const record = execution(request.executionArn);
      store.redrive(record);
      return { redriveDate: seconds(record.redriveDate) };
    },
    DescribeStateMachine: (request) => {
      const stateMachine = store.checkStateMachine(request.stateMachineArn);
      return {
        stateMachineArn: stateMachine.arn,
        name: stateMachine.name,
        status: 'ACTIVE',
        definition: JSON.stringify(stateMachine.asl.definition),
        roleArn: stateMachine.roleArn,
        type: 'STANDARD',
        creationDate: seconds(stateMachine.creationDate),
        loggingConfiguration: { level: 'ALL', includeExecutionData: true },
        tracingConfiguration: { enabled: true },
      };
    },
    ListStateMachines: () => ({
      stateMachines: store.stateMachines.map((stateMachine) => ({
        stateMachineArn: stateMachine.arn,
        name: stateMachine.name,
        type: 'STANDARD',
        creationDate: seconds(stateMachine.creationDate),
      })),
    }),
  };

  return async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      const target = String(request.headers['x-amz-target'] ?? '');
      const operation = target.replace(/^AWSStepFunctions\./, '') as Operation;
      if (!Object.hasOwn(Requests, operation)) throw new SfnError('UnknownOperationException', `The sandbox does not emulate ${target || 'this request'}`);
      const parsed = Requests[operation].safeParse(await readRequest(request, response));
      if (!parsed.success) throw new SfnError('ValidationException', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
      const handler = handlers[operation] as (r: unknown) => unknown;
      reply(response, 200, handler(parsed.data));
    } catch (error) {
      // Anything else is the sandbox's own failure, which startStepFunctions answers as AWS's InternalFailure.
      if (!(error instanceof SfnError)) throw error;
      replyError(response, error);
    }
  };
}

/** An AWS JSON 1.0 answer. Every one names its request; SDKs report it as $metadata.requestId. */
function reply(response: ServerResponse, status: number, body: unknown, errorType?: string): void {
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-requestid': randomUUID(),
    ...(errorType === undefined ? {} : { 'x-amzn-errortype': errorType }),
  });
  response.end(JSON.stringify(body));
}

function replyError(response: ServerResponse, error: SfnError): void {
  reply(response, error.status, { __type: error.code, message: error.message }, error.code);
}

/** The request's JSON members; a body too large or not JSON is refused as the request's fault. */
async function readRequest(request: IncomingMessage, response: ServerResponse): Promise<unknown> {
  // AWS documents the bound (see MAX_REQUEST_BODY_BYTES) but not its answer: the request's fault, as its members' bounds are.
  const tooLarge = (maxBytes: number) => new SfnError('ValidationException', `The request is over ${maxBytes} bytes, the most Step Functions accepts per request`);
  const raw = (await readRequestBody(request, response, tooLarge)).toString('utf8');
  try {
    return raw === '' ? {} : JSON.parse(raw);
  } catch (error) {
    throw new SfnError('ValidationException', (error as Error).message);
  }
}

/** AWS's 500 for a failure of its own: InternalFailure, a common error of every AWS JSON API. */
const internalFailure: InternalErrorAnswer = (_request, response, error) =>
  replyError(response, new SfnError('InternalFailure', `The sandbox failed: ${error.message}`, 500));

export function startStepFunctions(store: ExecutionStore, port = 0): Promise<RunningServer> {
  return startHttpServer(createStepFunctionsApi(store), port, internalFailure);
}
