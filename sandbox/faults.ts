import * as z from 'zod';
import { TASK_NAMES, type TaskName } from '../tasks/registry';
import { parseOrThrow } from '../shared/validation';

/*
 * The fault plan: failures injected at the sandbox's HTTP layer (so the real SDK clients, the tasks' error
 * mapping and the state machine's retriers all see them), import jobs forced to fail or hang, faults
 * thrown inside a task handler, and events delivered more than once.
 */

export const SANDBOX_SERVICES = ['s3', 'dataexchange', 'sns'] as const;
export type SandboxService = (typeof SANDBOX_SERVICES)[number];

const HttpFault = z.strictObject({
  service: z.enum(SANDBOX_SERVICES),
  /** The API's own operation name (PutObject, UploadPart, CreateJob, GetJob, Publish, ...) or `*`. */
  operation: z.string().min(1),
  /** The AWS error code; with `delayMs` alone the call is only slowed down. */
  error: z.string().min(1).optional(),
  /** @default AWS's status for `error` */
  status: z.number().int().min(400).max(599).optional(),
  message: z.string().optional(),
  times: z.number().int().min(1).default(1),
  /** Matching calls let through before the fault starts. */
  after: z.number().int().min(0).default(0),
  delayMs: z.number().int().min(0).max(600_000).optional(),
});

const ImportJobFault = z.strictObject({
  importJob: z.enum(['ERROR', 'STUCK']),
  /** The n-th import job of the sandbox's lifetime (1-based); every import job when left out. */
  nth: z.number().int().min(1).optional(),
});

const TaskFault = z.strictObject({
  task: z.enum(TASK_NAMES as [TaskName, ...TaskName[]]),
  message: z.string().default('injected task fault'),
  times: z.number().int().min(1).default(1),
});

export const SANDBOX_EVENTS = ['ObjectCreated', 'ExecutionStatusChange'] as const;
export type SandboxEvent = (typeof SANDBOX_EVENTS)[number];

/** An event EventBridge delivers more than once, as its at-least-once delivery may. */
const EventFault = z.strictObject({
  event: z.enum(SANDBOX_EVENTS),
  /** How many times each matching event is delivered. */
  deliveries: z.number().int().min(2).max(10),
  /** Matching events delivered that often; later ones are delivered once. */
  times: z.number().int().min(1).default(1),
});

export const Fault = z.union([HttpFault, ImportJobFault, TaskFault, EventFault]);
export type Fault = z.infer<typeof Fault>;
export const FaultPlan = z.array(Fault);

/** AWS's HTTP status for the error codes a plan is likely to name; anything else is a 400. */
const STATUS_OF_ERROR: Readonly<Record<string, number>> = {
  ThrottlingException: 429,
  ThrottledException: 429,
  TooManyRequestsException: 429,
  InternalServerException: 500,
  InternalError: 500,
  InternalErrorException: 500,
  ServiceUnavailable: 503,
  SlowDown: 503,
  AccessDeniedException: 403,
  AccessDenied: 403,
  AuthorizationErrorException: 403,
  ResourceNotFoundException: 404,
  NoSuchKey: 404,
  NoSuchBucket: 404,
  NotFound: 404,
  ConflictException: 409,
  ServiceLimitExceededException: 402,
};

export interface InjectedHttpFault {
  readonly error?: { readonly code: string; readonly status: number; readonly message: string };
  readonly delayMs?: number;
}

/** An injected task failure: a plain Error, as an unexpected bug in a handler would throw. */
export class InjectedTaskFault extends Error {
  constructor(task: TaskName, message: string) {
    super(`${message} (a fault injected into ${task})`);
    this.name = 'InjectedTaskFault';
  }
}

/** A fault plan from the text of `file`, which the caller reads (the CLI, up to a bound). */
export function parseFaultPlan(text: string, file: string): Fault[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`The fault plan ${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  return parseOrThrow(FaultPlan, json, `fault plan ${file}`);
}

/** Holds a plan and counts the calls each fault has matched; one injector serves every sandbox service. */
export class FaultInjector {
  private readonly http: { fault: z.output<typeof HttpFault>; seen: number; fired: number }[] = [];
  private readonly importJobs: z.output<typeof ImportJobFault>[] = [];
  private readonly tasks: { fault: z.output<typeof TaskFault>; fired: number }[] = [];
  private readonly events: { fault: z.output<typeof EventFault>; fired: number }[] = [];

  constructor(plan: readonly Fault[] = []) {
    this.add(plan);
  }

  add(plan: readonly Fault[]): void {
    for (const fault of plan) {
      if ('service' in fault) this.http.push({ fault, seen: 0, fired: 0 });
      else if ('importJob' in fault) this.importJobs.push(fault);
      else if ('event' in fault) this.events.push({ fault, fired: 0 });
      else this.tasks.push({ fault, fired: 0 });
    }
  }

  clear(): void {
    this.http.length = 0;
    this.importJobs.length = 0;
    this.tasks.length = 0;
    this.events.length = 0;
  }

  /** Called by a service for each request, before it does anything. */
  onRequest(service: SandboxService, operation: string): InjectedHttpFault | undefined {
    for (const entry of this.http) {
      const { fault } = entry;
      if (fault.service !== service || (fault.operation !== '*' && fault.operation !== operation)) continue;
      entry.seen += 1;
      if (entry.seen <= fault.after || entry.fired >= fault.times) continue;
      entry.fired += 1;
      const error =
        fault.error === undefined
          ? undefined
          : {
              code: fault.error,
              status: fault.status ?? STATUS_OF_ERROR[fault.error] ?? 400,
              message: fault.message ?? `${fault.error} injected by the sandbox's fault plan`,
            };
      return { error, delayMs: fault.delayMs };
    }
    return undefined;
  }

  /** What the n-th import job (1-based) is forced to do, if anything. */
  importJobOutcome(nth: number): 'ERROR' | 'STUCK' | undefined {
    return this.importJobs.find((fault) => fault.nth === undefined || fault.nth === nth)?.importJob;
  }

  /** How many times to deliver this event: once, unless the plan repeats it. */
  eventDeliveries(event: SandboxEvent): number {
    const entry = this.events.find((e) => e.fault.event === event && e.fired < e.fault.times);
    if (entry === undefined) return 1;
    entry.fired += 1;
    return entry.fault.deliveries;
  }

  /** Throws the task fault planned for this invocation of `task`, if any. */
  beforeTask(task: TaskName): void {
    const entry = this.tasks.find((t) => t.fault.task === task && t.fired < t.fault.times);
    if (entry === undefined) return;
    entry.fired += 1;
    throw new InjectedTaskFault(task, entry.fault.message);
  }
}
