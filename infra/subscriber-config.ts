import * as z from 'zod';
import { AccountId, LOWERCASE_NAME } from '../shared/schemas/fields';
import { describeIssues } from '../shared/validation';
import type { ContextReader } from './config';
import { ConfigurationError } from './configuration-error';

/*
 * The subscriber's stack is deployed in the receiving account, and only when its context is given: the provider's
 * app synthesizes as before without it.
 */

const DATA_GRANT_ARN = /^arn:aws[a-z-]*:dataexchange:[a-z0-9-]+:(\d{12}):data-grants\/[a-zA-Z0-9]{30,40}$/;

const SubscriberContext = z
  .object({
    providerAccountId: AccountId,
    dataGrantArn: z.string().regex(DATA_GRANT_ARN, 'must be a data grant ARN, arn:aws:dataexchange:<region>:<provider account>:data-grants/<id>'),
    environment: z.string().regex(LOWERCASE_NAME, 'must be a lowercase name of at most 32 letters, digits and "-"').default('dev'),
  })
  .refine((config) => DATA_GRANT_ARN.exec(config.dataGrantArn)?.[1] === config.providerAccountId, {
    message: "must be a grant of the provider's account (providerAccountId)",
    path: ['dataGrantArn'],
  });

export type SubscriberConfig = z.output<typeof SubscriberContext>;

/** The context keys that ask for the subscriber's stack; any one of them given asks for it. */
export const SUBSCRIBER_CONTEXT_KEYS = ['providerAccountId', 'dataGrantArn'] as const;

/** The subscriber's settings from CDK context, or undefined when none of its keys is given. */
export function loadSubscriberConfig(getContext: ContextReader): SubscriberConfig | undefined {
  if (SUBSCRIBER_CONTEXT_KEYS.every((key) => getContext(key) === undefined)) return undefined;
  const result = SubscriberContext.safeParse({
    providerAccountId: getContext('providerAccountId'),
    dataGrantArn: getContext('dataGrantArn'),
    environment: getContext('environment'),
  });
  if (result.success) return result.data;
  throw new ConfigurationError(`Invalid subscriber context: ${describeIssues(result.error)}`, { cause: result.error });
}
