import fc from 'fast-check';
import { InputValidationError } from '../../shared/errors';
import { MAX_GENERATED_ASSETS, MAX_RECORDS_PER_ASSET, MAX_REVISION_COMMENT_LENGTH, MAX_SUBSCRIBERS } from '../../shared/limits';
import { WorkflowInput } from '../../shared/schemas/workflow-input';
import { parseOrThrow } from '../../shared/validation';

/*
 * Inputs are built from the rules the design and S3 state, not from the schema, so a rule the schema forgets
 * (or adds) shows up as a counterexample.
 */

const parse = (value: unknown) => parseOrThrow(WorkflowInput, value, 'workflow input');

type Input = Record<string, unknown>;

// --- valid values ---------------------------------------------------------------------------------------------

const S3_RESERVED_PREFIX = /^(xn--|sthree-|amzn-s3-demo-)/;
const S3_RESERVED_SUFFIX = /(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/;
const IP_LIKE = /^\d{1,3}(\.\d{1,3}){3}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const bucketLabel = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$/);
const validBucket = fc
  .array(bucketLabel, { minLength: 1, maxLength: 4 })
  .map((labels) => labels.join('.'))
  .filter((name) => name.length >= 3 && name.length <= 63 && !IP_LIKE.test(name))
  .filter((name) => !S3_RESERVED_PREFIX.test(name) && !S3_RESERVED_SUFFIX.test(name));
const validDataSetId = fc.stringMatching(/^[a-zA-Z0-9]{30,40}$/);
const validRunId = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const validAccountId = fc.stringMatching(/^\d{12}$/);
const validAccountIds = fc.uniqueArray(validAccountId, { maxLength: MAX_SUBSCRIBERS });
const validComment = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constant('c'.repeat(MAX_REVISION_COMMENT_LENGTH)),
);

const keySegment = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 24 })
  .filter((segment) => !segment.includes('/') && segment !== '..' && !CONTROL.test(segment));
const validKey = fc
  .tuple(fc.array(keySegment, { minLength: 1, maxLength: 6 }), fc.boolean())
  .map(([segments, folder]) => segments.join('/') + (folder ? '/' : ''))
  .filter((key) => Buffer.byteLength(key, 'utf8') <= 1024);

const validSource = fc.oneof(
  fc.record(
    {
      type: fc.constant('generate'),
      assets: fc.integer({ min: 1, max: MAX_GENERATED_ASSETS }),
      recordsPerAsset: fc.integer({ min: 1, max: MAX_RECORDS_PER_ASSET }),
    },
    { requiredKeys: ['type'] },
  ),
  fc.record({ type: fc.constant('s3Prefix'), prefix: validKey }),
  fc.record(
    { type: fc.constant('manifest'), key: validKey, etag: fc.string({ minLength: 1, maxLength: 128 }) },
    { requiredKeys: ['type', 'key'] },
  ),
);

const validCanonicalInput: fc.Arbitrary<Input> = fc.record(
  {
    bucket: validBucket,
    datasetId: validDataSetId,
    runId: validRunId,
    comment: validComment,
    source: validSource,
    subscriberAccountIds: validAccountIds,
  },
  { requiredKeys: ['bucket', 'datasetId'] },
);

/** The same input, some fields spelled the way the original recipe or a one-subscriber caller spells them. */
const validInput: fc.Arbitrary<Input> = fc
  .tuple(validCanonicalInput, fc.boolean(), fc.boolean(), fc.boolean())
  .map(([input, bucketAlias, dataSetAlias, subscriberAlias]) => {
    const { bucket, datasetId, subscriberAccountIds, ...rest } = input;
    return {
      ...rest,
      ...(bucketAlias ? { bucket_name: bucket } : { bucket }),
      ...(dataSetAlias ? { dataset_id: datasetId } : { datasetId }),
      ...(subscriberAccountIds !== undefined &&
        (subscriberAlias
          ? { subscriberAccountId: (subscriberAccountIds as string[]).join(', ') }
          : { subscriberAccountIds })),
    };
  });

// --- corruptions: each breaks one field of a valid input and says what the message must name ------------------

interface Corruption {
  /** What the error message must contain: the field's path, or the unknown key. */
  readonly names: string;
  readonly build: (valid: Input) => unknown;
}

const setField = (names: string, key: string, value: fc.Arbitrary<unknown>): fc.Arbitrary<Corruption> =>
  value.map((v) => ({ names, build: (valid: Input) => ({ ...valid, [key]: v }) }));

const inSource = (type: string, field: string, value: fc.Arbitrary<unknown>, extra: Input = {}): fc.Arbitrary<Corruption> =>
  value.map((v) => ({ names: `source.${field}`, build: (valid: Input) => ({ ...valid, source: { type, ...extra, [field]: v } }) }));

const insertAt = <T>(list: readonly T[], item: T, at: number): T[] => {
  const i = at % (list.length + 1);
  return [...list.slice(0, i), item, ...list.slice(i)];
};

/** Inserts text at a random position of a generated string. */
const insertInto = (base: fc.Arbitrary<string>, inserted: fc.Arbitrary<string>) =>
  fc.tuple(base, inserted, fc.nat()).map(([s, x, at]) => insertAt([...s], x, at).join(''));

const hundredKilobytes = fc.constantFrom('a', 'Z', '9', '-', 'é', '/').map((c) => c.repeat(100 * 1024));

const wrongType = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant({}),
  fc.array(fc.integer(), { minLength: 1, maxLength: 3 }),
);

const outOfRangeCount = (max: number) =>
  fc.oneof(
    fc.integer({ max: 0 }),
    fc.integer({ min: max + 1 }),
    fc.double().filter((d) => !(Number.isInteger(d) && d >= 1 && d <= max)),
    fc.constantFrom('3', '1', 1e12, -1, 1.5),
  );

const badBucket = fc.oneof(
  fc.stringMatching(/^[a-z0-9]{0,2}$/),
  fc.stringMatching(/^[a-z0-9]{64,100}$/),
  insertInto(validBucket, fc.constantFrom('A', 'Z', '_', ' ', '/', ':', '!', 'é', '\n', '..')),
  validBucket.chain((name) => fc.constantFrom(`-${name}`, `${name}-`, `.${name}`, `${name}.`)),
  fc.tuple(fc.nat(999), fc.nat(999), fc.nat(999), fc.nat(999)).map((parts) => parts.join('.')),
  fc.tuple(fc.constantFrom('xn--', 'sthree-', 'amzn-s3-demo-'), bucketLabel).map(([prefix, label]) => prefix + label),
  fc.tuple(bucketLabel, fc.constantFrom('-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3')).map(([label, suffix]) => label + suffix),
  hundredKilobytes,
);

const badDataSetId = fc.oneof(
  fc.stringMatching(/^[a-zA-Z0-9]{0,29}$/),
  fc.stringMatching(/^[a-zA-Z0-9]{41,80}$/),
  insertInto(validDataSetId, fc.constantFrom('-', '_', ' ', ':', '/', 'é', '\n')),
  hundredKilobytes,
);

const badAccountId = fc.oneof(
  fc.stringMatching(/^\d{0,11}$/),
  fc.stringMatching(/^\d{13,20}$/),
  insertInto(fc.stringMatching(/^\d{11}$/), fc.constantFrom('a', '-', ' ', 'x')),
);

const badAccountIds = (badId: fc.Arbitrary<string>) =>
  fc.oneof(
    fc
      .tuple(fc.uniqueArray(validAccountId, { maxLength: MAX_SUBSCRIBERS - 1 }), badId, fc.nat())
      .map(([ids, bad, at]) => insertAt(ids, bad, at)),
    fc
      .tuple(fc.uniqueArray(validAccountId, { minLength: 1, maxLength: MAX_SUBSCRIBERS - 1 }), fc.nat(), fc.nat())
      .map(([ids, from, at]) => insertAt(ids, ids[from % ids.length], at)),
    fc.uniqueArray(validAccountId, { minLength: MAX_SUBSCRIBERS + 1, maxLength: 2 * MAX_SUBSCRIBERS }),
    hundredKilobytes.map((s) => [s]),
  );

const badKey = fc.oneof(
  fc.constant(''),
  validKey.map((key) => `/${key}`),
  fc.tuple(fc.array(keySegment, { maxLength: 3 }), fc.array(keySegment, { maxLength: 3 })).map(([before, after]) => [...before, '..', ...after].join('/')),
  insertInto(validKey, fc.integer({ min: 0, max: 0x20 }).map((code) => String.fromCharCode(code === 0x20 ? 0x7f : code))),
  fc.integer({ min: 1025, max: 4096 }).map((n) => 'k'.repeat(n)),
  fc.integer({ min: 513, max: 2048 }).map((n) => 'é'.repeat(n)),
  hundredKilobytes,
);

const KNOWN_TOP_LEVEL = new Set(['bucket', 'datasetId', 'runId', 'comment', 'source', 'subscriberAccountIds', 'bucket_name', 'dataset_id', 'subscriberAccountId']);
const unknownKeyName = fc.stringMatching(/^[A-Za-z_$][A-Za-z0-9_$-]{0,30}$/);

const corruptions: fc.Arbitrary<Corruption> = fc.oneof(
  fc.constantFrom('bucket', 'datasetId', 'runId', 'comment', 'source', 'subscriberAccountIds').chain((key) => setField(key, key, wrongType)),
  setField('bucket', 'bucket', badBucket),
  setField('bucket', 'bucket_name', badBucket),
  setField('datasetId', 'datasetId', badDataSetId),
  setField('datasetId', 'dataset_id', badDataSetId),
  setField('runId', 'runId', fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{65,100}$/), insertInto(validRunId, fc.constantFrom(' ', '/', '.', ':', 'é', '\n')), fc.constant(''), hundredKilobytes)),
  setField('comment', 'comment', fc.oneof(fc.integer({ min: MAX_REVISION_COMMENT_LENGTH + 1, max: 40_000 }).map((n) => 'c'.repeat(n)), hundredKilobytes)),
  setField('subscriberAccountIds', 'subscriberAccountIds', badAccountIds(badAccountId)),
  // A comma-separated list drops empty entries, so a blank id is no corruption there.
  setField('subscriberAccountId', 'subscriberAccountId', badAccountIds(badAccountId.filter((id) => id.trim() !== '')).map((ids) => ids.join(','))),
  inSource('generate', 'assets', outOfRangeCount(MAX_GENERATED_ASSETS)),
  inSource('generate', 'recordsPerAsset', outOfRangeCount(MAX_RECORDS_PER_ASSET)),
  inSource('s3Prefix', 'prefix', badKey),
  inSource('manifest', 'key', badKey),
  inSource('manifest', 'etag', fc.oneof(fc.constant(''), hundredKilobytes, wrongType), { key: 'manifests/x.json' }),
  setField('source.type', 'source', fc.string().filter((t) => !['generate', 's3Prefix', 'manifest'].includes(t)).map((type) => ({ type }))),
  fc.tuple(unknownKeyName.filter((k) => !KNOWN_TOP_LEVEL.has(k)), fc.jsonValue()).map(([key, value]) => ({
    names: `"${key}"`,
    build: (valid: Input) => ({ ...valid, [key]: value }),
  })),
  fc.tuple(unknownKeyName.filter((k) => !['type', 'assets', 'recordsPerAsset'].includes(k)), fc.jsonValue()).map(([key, value]) => ({
    names: `"${key}"`,
    build: (valid: Input) => ({ ...valid, source: { type: 'generate', [key]: value } }),
  })),
  fc.constantFrom(['bucket_name', 'bucket'], ['dataset_id', 'datasetId']).map(([alias, canonical]) => ({
    names: `${alias}: is an alias`,
    build: (valid: Input) => ({ ...valid, [alias]: valid[canonical] }),
  })),
  fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.jsonValue())).map((value) => ({
    names: 'the input: must be an object',
    build: () => value,
  })),
);

/** Built here, not in the property, so a counterexample shows the input itself. */
const invalidInput = fc
  .tuple(validCanonicalInput, corruptions)
  .map(([valid, corruption]) => ({ names: corruption.names, input: corruption.build(valid) }));

describe('WorkflowInput properties', () => {
  it('rejects every input with one corrupted field, naming that field', () => {
    fc.assert(
      fc.property(invalidInput, ({ input, names }) => {
        // Act
        const act = () => parse(input);

        // Assert
        expect(act).toThrow(InputValidationError);
        expect(act).toThrow(names);
      }),
      { numRuns: 1_500 },
    );
  });

  it('accepts every input built by the rules, and parsing its output gives the same output', () => {
    fc.assert(
      fc.property(validInput, (input) => {
        // Act
        const once = parse(input);
        const twice = parse(once);

        // Assert
        expect(twice).toEqual(once);
        expect(once.bucket).toBe(input.bucket ?? input.bucket_name);
        expect(once.datasetId).toBe(input.datasetId ?? input.dataset_id);
        expect(once.source.type).toBe((input.source as { type?: string } | undefined)?.type ?? 'generate');
      }),
      { numRuns: 500 },
    );
  });
});
