/** Ids of existing resources a provider can name in context, shaped like AWS's. */
export const ALARM_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:ops-alarms';
export const TOPIC_KEY_ARN = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
