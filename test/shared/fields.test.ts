import { InputValidationError } from '../../shared/errors';
import { MAX_SUBSCRIBERS } from '../../shared/limits';
import { splitAccountList } from '../../shared/schemas/fields';
import { WorkflowInput } from '../../shared/schemas/workflow-input';
import { parseOrThrow } from '../../shared/validation';
import { ACCOUNT_A, ACCOUNT_B, BUCKET, DATA_SET_ID } from '../fixtures/ids';

/** Each field's rules, as the workflow input applies them, so every message is checked with its path. */
const parseWith = (fields: Record<string, unknown>) =>
  parseOrThrow(WorkflowInput, { bucket: BUCKET, datasetId: DATA_SET_ID, ...fields }, 'workflow input');

function expectFieldRejected(fields: Record<string, unknown>, message: string): void {
  expect(() => parseWith(fields)).toThrow(InputValidationError);
  expect(() => parseWith(fields)).toThrow(message);
}

const accounts = (n: number) => Array.from({ length: n }, (_, i) => String(100000000000 + i));

describe('bucket', () => {
  it.each([
    ['the shortest name', 'abc'],
    ['the longest name', 'a'.repeat(63)],
    ['dots and dashes', 'dx-flow.data-2026.eu'],
    ['digits at both ends', '1bucket9'],
    ['a name with four numeric labels and a letter', '192.168.1.1a'],
    // S3 reserves these only as the whole name, its start or its end.
    ['an IP address after a label', 'logs-10.0.0.1'],
    ['a reserved prefix inside', 'my-xn--data'],
    ['a reserved suffix inside', 'data-s3alias-logs'],
  ])('accepts %s', (_label, bucket) => {
    expect(parseWith({ bucket }).bucket).toBe(bucket);
  });

  it.each([
    ['too short', 'ab', 'must be 3 to 63 characters long'],
    ['too long', 'a'.repeat(64), 'must be 3 to 63 characters long'],
    ['uppercase', 'My-Bucket', 'may hold only lowercase letters, digits, dots and hyphens'],
    ['an underscore', 'my_bucket', 'may hold only lowercase letters, digits, dots and hyphens'],
    ['a leading dash', '-bucket', 'must begin and end with a letter or digit'],
    ['a trailing dash', 'bucket-', 'must begin and end with a letter or digit'],
    ['a leading dot', '.bucket', 'must begin and end with a letter or digit'],
    ['a trailing dot', 'bucket.', 'must begin and end with a letter or digit'],
    ['two dots in a row', 'my..bucket', 'must not hold two dots in a row'],
    ['an IP address', '192.168.1.1', 'must not look like an IP address'],
    ['the xn-- prefix', 'xn--bucket', 'must not begin with a prefix S3 reserves'],
    ['the sthree- prefix', 'sthree-bucket', 'must not begin with a prefix S3 reserves'],
    ['the -s3alias suffix', 'bucket-s3alias', 'must not end with a suffix S3 reserves'],
    ['the --ol-s3 suffix', 'bucket--ol-s3', 'must not end with a suffix S3 reserves'],
  ])('rejects a name with %s', (_label, bucket, reason) => {
    expectFieldRejected({ bucket }, `bucket: ${reason}`);
  });

  it('rejects a bucket that is not a string', () => {
    expectFieldRejected({ bucket: 12345 }, 'bucket: must be a string');
  });
});

describe('datasetId', () => {
  it.each([
    ['32 hex characters, as AWS makes them', DATA_SET_ID],
    ['30 letters and digits', 'A'.repeat(30)],
    ['40 letters and digits', 'z9'.repeat(20)],
  ])('accepts %s', (_label, datasetId) => {
    expect(parseWith({ datasetId }).datasetId).toBe(datasetId);
  });

  it.each([
    ['29 characters', 'a'.repeat(29)],
    ['41 characters', 'a'.repeat(41)],
    ['a dash', `${DATA_SET_ID.slice(0, 31)}-`],
    ['an ARN', `arn:aws:dataexchange:us-east-1::data-sets/${DATA_SET_ID}`],
    ['a trailing newline', `${DATA_SET_ID}\n`],
  ])('rejects an id with %s', (_label, datasetId) => {
    expectFieldRejected({ datasetId }, 'datasetId: must be a Data Exchange id: 30 to 40 letters and digits');
  });
});

describe('runId', () => {
  it.each([['a'], ['A'.repeat(64)], ['nightly_2026-11-30']])('accepts %p', (runId) => {
    expect(parseWith({ runId }).runId).toBe(runId);
  });

  it.each([
    ['65 characters', 'a'.repeat(65)],
    ['a space', 'run 1'],
    ['a slash', 'run/1'],
    ['a dot', 'run.1'],
    ['nothing', ''],
    ['a trailing newline', 'run1\n'],
  ])('rejects a runId with %s', (_label, runId) => {
    expectFieldRejected({ runId }, 'runId: must be 1 to 64 characters of letters, digits, "_" and "-"');
  });
});

describe('subscriberAccountIds', () => {
  it(`accepts ${MAX_SUBSCRIBERS} unique 12-digit ids`, () => {
    const ids = accounts(MAX_SUBSCRIBERS);

    expect(parseWith({ subscriberAccountIds: ids }).subscriberAccountIds).toEqual(ids);
  });

  it('accepts an empty list', () => {
    expect(parseWith({ subscriberAccountIds: [] }).subscriberAccountIds).toEqual([]);
  });

  it(`rejects more than ${MAX_SUBSCRIBERS} ids`, () => {
    expectFieldRejected({ subscriberAccountIds: accounts(MAX_SUBSCRIBERS + 1) }, `subscriberAccountIds: must list at most ${MAX_SUBSCRIBERS} accounts`);
  });

  it('names the index of a repeated id', () => {
    expectFieldRejected({ subscriberAccountIds: [ACCOUNT_A, ACCOUNT_B, ACCOUNT_A] }, `subscriberAccountIds[2]: repeats account ${ACCOUNT_A}`);
  });

  it.each([
    ['11 digits', '11112222333'],
    ['13 digits', '1111222233334'],
    ['letters', '11112222333a'],
    ['dashes', '1111-2222-3333'],
  ])('rejects an id of %s, naming its index', (_label, id) => {
    expectFieldRejected({ subscriberAccountIds: [ACCOUNT_A, id] }, 'subscriberAccountIds[1]: must be a 12-digit AWS account id');
  });

  it('checks each id of a comma-separated subscriberAccountId', () => {
    expectFieldRejected({ subscriberAccountId: `${ACCOUNT_A},123` }, 'subscriberAccountIds[1]: must be a 12-digit AWS account id');
  });

  it('rejects an id given as a number, which would lose leading zeros', () => {
    expectFieldRejected({ subscriberAccountIds: [11112222333] }, 'subscriberAccountIds[0]: must be a string');
  });
});

describe('splitAccountList', () => {
  it('splits on commas, trims spaces and drops empty entries', () => {
    expect(splitAccountList(` ${ACCOUNT_A} ,,${ACCOUNT_B}, `)).toEqual([ACCOUNT_A, ACCOUNT_B]);
  });

  it('returns no ids for an empty string', () => {
    expect(splitAccountList('')).toEqual([]);
  });
});

describe('s3Prefix and manifest keys', () => {
  const prefix = (value: unknown) => ({ source: { type: 's3Prefix', prefix: value } });

  it.each([
    ['a dated folder', 'incoming/2026-11-30/'],
    ['".." inside a segment', 'a..b/c'],
    ['a "." segment', 'incoming/./x'],
    ['non-ASCII text', 'données/été/'],
    ['1,024 bytes', 'k'.repeat(1024)],
  ])('accepts a prefix with %s', (_label, value) => {
    expect(parseWith(prefix(value)).source).toEqual({ type: 's3Prefix', prefix: value });
  });

  it.each([
    ['a ".." segment', 'incoming/../secrets/', 'must not contain a ".." segment'],
    ['only ".."', '..', 'must not contain a ".." segment'],
    ['a trailing ".." segment', 'incoming/..', 'must not contain a ".." segment'],
    ['a leading "/"', '/incoming/', 'must not begin with "/"'],
    ['a newline', 'incoming/\n', 'must not contain control characters'],
    ['a NUL', 'incoming/\u0000', 'must not contain control characters'],
    ['DEL', 'incoming/\u007f', 'must not contain control characters'],
    ['nothing', '', 'must not be empty'],
    ['1,025 bytes', 'k'.repeat(1025), 'must be at most 1,024 bytes'],
    ['600 two-byte characters (1,200 bytes)', 'é'.repeat(600), 'must be at most 1,024 bytes'],
  ])('rejects a prefix with %s', (_label, value, reason) => {
    expectFieldRejected(prefix(value), `source.prefix: ${reason}`);
  });

  it('applies the same rules to a manifest key', () => {
    expectFieldRejected({ source: { type: 'manifest', key: '../manifests/x.json' } }, 'source.key: must not contain a ".." segment');
  });
});
