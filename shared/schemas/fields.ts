import * as z from 'zod';
import { ADX_ID_PATTERN, MAX_SUBSCRIBERS, RUN_ID_MAX_LENGTH, RUN_ID_PATTERN } from '../limits';

/** S3 general purpose bucket naming rules, each with its own message. */
export const BucketName = z
  .string()
  .min(3, 'must be 3 to 63 characters long')
  .max(63, 'must be 3 to 63 characters long')
  .regex(/^[a-z0-9.-]+$/, 'may hold only lowercase letters, digits, dots and hyphens')
  .regex(/^[a-z0-9].*[a-z0-9]$/, 'must begin and end with a letter or digit')
  .refine((name) => !name.includes('..'), 'must not hold two dots in a row')
  .refine((name) => !/^\d{1,3}(\.\d{1,3}){3}$/.test(name), 'must not look like an IP address')
  .refine((name) => !/^(xn--|sthree-|amzn-s3-demo-)/.test(name), 'must not begin with a prefix S3 reserves')
  .refine((name) => !/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name), 'must not end with a suffix S3 reserves');

export const DataSetId = z.string().regex(ADX_ID_PATTERN, 'must be a Data Exchange id: 30 to 40 letters and digits');
export const RevisionId = DataSetId;

export const RunId = z
  .string()
  .regex(RUN_ID_PATTERN, `must be 1 to ${RUN_ID_MAX_LENGTH} characters of letters, digits, "_" and "-"`);

/** A lowercase name of at most 32 letters, digits and "-", beginning with a letter: environments, data sets, stations. */
export const LOWERCASE_NAME = /^[a-z][a-z0-9-]{0,31}$/;

export const AccountId = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** An S3 key or prefix that cannot climb out of where it points, nor hide anything from a reader. */
export const SafeS3Key = z
  .string()
  .min(1, 'must not be empty')
  // S3 counts a key's length in UTF-8 bytes, not characters.
  .refine((key) => Buffer.byteLength(key, 'utf8') <= 1024, 'must be at most 1,024 bytes')
  .refine((key) => !key.startsWith('/'), 'must not begin with "/"')
  .refine((key) => !key.split('/').includes('..'), 'must not contain a ".." segment')
  .refine((key) => !CONTROL_CHARACTERS.test(key), 'must not contain control characters');

export const SubscriberAccountIds = z
  .array(AccountId)
  .max(MAX_SUBSCRIBERS, `must list at most ${MAX_SUBSCRIBERS} accounts`)
  .superRefine((ids, ctx) => {
    const seen = new Set<string>();
    ids.forEach((id, index) => {
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [index], message: `repeats account ${id}` });
      seen.add(id);
    });
  });

/** Accepts the original recipe's single id or a comma-separated list, as context and the CLI give them. */
export function splitAccountList(value: string): string[] {
  return value
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
}
