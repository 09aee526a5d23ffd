import * as z from 'zod';
import { AccountId } from './fields';

/*
 * The EventBridge event Step Functions sends when an execution changes status (source `aws.states`), as in
 * https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html. AWS adds fields over time, so the objects
 * are loose: the fields dx-flow reads are checked, any other passes through.
 */

export const STATES_EVENT_SOURCE = 'aws.states';
export const EXECUTION_STATUS_CHANGE = 'Step Functions Execution Status Change';

export const ExecutionStatus = z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'PENDING_REDRIVE']);
export type ExecutionStatus = z.infer<typeof ExecutionStatus>;

/** The terminal statuses worth a notification: the rule in infra matches these, and the task ignores any other. */
export const NOTIFIED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const satisfies readonly ExecutionStatus[];
export type NotifiedStatus = (typeof NOTIFIED_STATUSES)[number];

export function isNotifiedStatus(status: ExecutionStatus): status is NotifiedStatus {
  return (NOTIFIED_STATUSES as readonly ExecutionStatus[]).includes(status);
}

export const StatusChangeDetail = z
  .object({
    executionArn: z.string().regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/, 'must be an execution ARN'),
    stateMachineArn: z.string().regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+(:[^:]+)?$/, 'must be a state machine ARN'),
    name: z.string().min(1),
    status: ExecutionStatus,
    /** Epoch milliseconds. */
    startDate: z.number(),
    /** Epoch milliseconds; null while the execution runs. */
    stopDate: z.number().nullable(),
    input: z.string().nullable(),
    /** 0 until the first redrive. When an event lacks it, the task reads it from DescribeExecution. */
    redriveCount: z.number().int().min(0).optional(),
  })
  .loose();
export type StatusChangeDetail = z.infer<typeof StatusChangeDetail>;

export const StatusChangeEvent = z
  .object({
    version: z.string(),
    id: z.string().min(1),
    'detail-type': z.literal(EXECUTION_STATUS_CHANGE),
    source: z.literal(STATES_EVENT_SOURCE),
    account: AccountId,
    time: z.iso.datetime({ offset: true }),
    region: z.string().min(1),
    resources: z.array(z.string()),
    detail: StatusChangeDetail,
  })
  .loose();
export type StatusChangeEvent = z.infer<typeof StatusChangeEvent>;

export const HandleStatusChangeOutput = z.strictObject({
  /** sent: announced now; duplicate: this status of this attempt was announced before; ignored: not a failure. */
  outcome: z.enum(['sent', 'duplicate', 'ignored']),
  messageId: z.string().optional(),
  /** The S3 key that records the notification of this execution, attempt and status. */
  recordKey: z.string().optional(),
});
export type HandleStatusChangeOutput = z.infer<typeof HandleStatusChangeOutput>;
