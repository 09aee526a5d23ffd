import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/** How hard EventBridge tries to deliver an event to a rule's target before dead-lettering it. */
export interface DeliveryRetryProps {
  /** @default 8 */
  readonly retryAttempts?: number;
  /** @default Duration.hours(2) */
  readonly maxEventAge?: Duration;
}

export interface TargetDelivery {
  readonly retryAttempts: number;
  readonly maxEventAge: Duration;
  readonly deadLetterQueue: sqs.Queue;
}

/**
 * Retry settings and a dead-letter queue for one EventBridge target. The queue is encrypted, TLS-only, and
 * keeps undeliverable events for two weeks, for someone to inspect.
 */
export function targetDelivery(scope: Construct, props: DeliveryRetryProps): TargetDelivery {
  const deadLetterQueue = new sqs.Queue(scope, 'DeadLetterQueue', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const reason = 'This queue is itself the dead-letter queue; a DLQ of its own would only move the same messages again.';
  Validations.of(deadLetterQueue).acknowledge({ id: 'AwsSolutions-SQS3', reason }, { id: 'Serverless-SQSRedrivePolicy', reason });
  return {
    retryAttempts: props.retryAttempts ?? 8,
    maxEventAge: props.maxEventAge ?? Duration.hours(2),
    deadLetterQueue,
  };
}
