import { InputValidationError } from '../../shared/errors';
import {
  MAX_BYTES_PER_ASSET,
  MAX_GENERATED_ASSETS,
  MAX_RECORDS_PER_ASSET,
  MAX_REVISION_COMMENT_LENGTH,
  MIN_BYTES_PER_ASSET,
} from '../../shared/limits';
import { runIdFromExecutionName, scheduledRunId, WorkflowInput } from '../../shared/schemas/workflow-input';
import { parseOrThrow } from '../../shared/validation';
import { ACCOUNT_A, ACCOUNT_B, BUCKET, DATA_SET_ID } from '../fixtures/ids';

const parse = (value: unknown) => parseOrThrow(WorkflowInput, value, 'workflow input');
const minimal = () => ({ bucket: BUCKET, datasetId: DATA_SET_ID });
const withSource = (source: unknown) => ({ ...minimal(), source });

function expectRejected(value: unknown, message: string): void {
  expect(() => parse(value)).toThrow(InputValidationError);
  expect(() => parse(value)).toThrow(message);
}

describe('WorkflowInput', () => {
  describe('defaults', () => {
    it('fills in a generate source of 3 assets of 100 records', () => {
      // Act
      const input = parse(minimal());

      // Assert
      expect(input).toEqual({
        bucket: BUCKET,
        datasetId: DATA_SET_ID,
        source: { type: 'generate', assets: 3, recordsPerAsset: 100 },
      });
    });

    it('fills in the missing counts of a partial generate source', () => {
      expect(parse(withSource({ type: 'generate', assets: 7 })).source).toEqual({
        type: 'generate',
        assets: 7,
        recordsPerAsset: 100,
      });
    });

    it('gives each parse its own default source, so a caller mutating one cannot change the next', () => {
      // Arrange
      const first = parse(minimal());
      Object.assign(first.source, { assets: 999 });

      // Act
      const second = parse(minimal());

      // Assert
      expect(second.source).toEqual({ type: 'generate', assets: 3, recordsPerAsset: 100 });
    });

    it('leaves runId, comment and subscribers out when they are not given', () => {
      const input = parse(minimal());

      expect(input).not.toHaveProperty('runId');
      expect(input).not.toHaveProperty('comment');
      expect(input).not.toHaveProperty('subscriberAccountIds');
    });
  });

  describe('aliases', () => {
    it('maps the original recipe keys bucket_name and dataset_id', () => {
      expect(parse({ bucket_name: BUCKET, dataset_id: DATA_SET_ID })).toMatchObject(minimal());
    });

    it('turns one subscriberAccountId into a list of one', () => {
      expect(parse({ ...minimal(), subscriberAccountId: ACCOUNT_A }).subscriberAccountIds).toEqual([ACCOUNT_A]);
    });

    it('splits a comma-separated subscriberAccountId and trims the spaces', () => {
      const input = parse({ ...minimal(), subscriberAccountId: `${ACCOUNT_A}, ${ACCOUNT_B}` });

      expect(input.subscriberAccountIds).toEqual([ACCOUNT_A, ACCOUNT_B]);
      expect(input).not.toHaveProperty('subscriberAccountId');
    });

    it.each([
      ['bucket_name', { bucket_name: BUCKET, bucket: BUCKET, datasetId: DATA_SET_ID }, 'bucket'],
      ['dataset_id', { bucket: BUCKET, dataset_id: DATA_SET_ID, datasetId: DATA_SET_ID }, 'datasetId'],
      ['subscriberAccountId', { ...minimal(), subscriberAccountId: ACCOUNT_A, subscriberAccountIds: [ACCOUNT_A] }, 'subscriberAccountIds'],
    ])('rejects %s given together with its canonical key, naming the alias', (alias, value, canonical) => {
      expectRejected(value, `${alias}: is an alias of "${canonical}"; give only one of them`);
    });

    it('validates an aliased value under the canonical field name', () => {
      expectRejected({ bucket_name: 'Bad_Bucket', datasetId: DATA_SET_ID }, 'bucket: ');
    });
  });

  describe('unknown keys', () => {
    it('rejects unknown top-level keys by name', () => {
      expectRejected({ ...minimal(), bucketName: BUCKET, extra: 1 }, 'unknown keys: "bucketName", "extra"');
    });

    it('rejects an unknown key inside source, saying where', () => {
      expectRejected(withSource({ type: 'generate', assets: 3, rowsPerFile: 10 }), 'unknown key in source: "rowsPerFile"');
    });

    it('rejects a key that a plain object inherits, such as constructor', () => {
      expectRejected(JSON.parse(`{"bucket":"${BUCKET}","datasetId":"${DATA_SET_ID}","constructor":{}}`), 'unknown key: "constructor"');
    });
  });

  describe('required fields and non-objects', () => {
    it('says bucket is required when it is missing', () => {
      const value: Record<string, unknown> = minimal();
      delete value.bucket;

      expectRejected(value, 'bucket: is required');
    });

    it('takes an input with no data set, which PlanRevision gives the default one, or one named by its configured name', () => {
      const value: Record<string, unknown> = minimal();
      delete value.datasetId;

      expect(WorkflowInput.parse(value)).not.toHaveProperty('datasetId');
      expect(WorkflowInput.parse({ ...value, dataSet: 'weather' })).toMatchObject({ dataSet: 'weather' });
      expectRejected({ ...value, dataSet: 'Weather Data' }, 'dataSet: must be a lowercase name');
    });

    it.each([['a string', 'generate'], ['an array', [minimal()]], ['null', null], ['a number', 42], ['a boolean', true]])(
      'rejects %s as the whole input',
      (_label, value) => {
        expectRejected(value, 'the input: must be an object');
      },
    );
  });

  describe('source', () => {
    it.each([
      ['the limit', MAX_GENERATED_ASSETS],
      ['one', 1],
    ])('accepts %s of generated assets', (_label, assets) => {
      expect(parse(withSource({ type: 'generate', assets })).source).toMatchObject({ assets });
    });

    it.each([
      ['one past the limit', MAX_GENERATED_ASSETS + 1, `must be at most ${MAX_GENERATED_ASSETS}`],
      ['zero', 0, 'must be at least 1'],
      ['a negative count', -1, 'must be at least 1'],
      ['a fraction', 1.5, 'must be a whole number'],
      ['a huge count', 1e12, `must be at most ${MAX_GENERATED_ASSETS}`],
      ['a numeric string', '3', 'must be a number'],
      ['NaN', Number.NaN, 'must be a number'],
    ])('rejects %s of assets, naming source.assets', (_label, assets, reason) => {
      expectRejected(withSource({ type: 'generate', assets }), `source.assets: ${reason}`);
    });

    it.each([
      [0, 'must be at least 1'],
      [MAX_RECORDS_PER_ASSET + 1, `must be at most ${MAX_RECORDS_PER_ASSET}`],
      [2.5, 'must be a whole number'],
    ])('rejects %p records per asset', (recordsPerAsset, reason) => {
      expectRejected(withSource({ type: 'generate', recordsPerAsset }), `source.recordsPerAsset: ${reason}`);
    });

    it('accepts records per asset at the limit', () => {
      const recordsPerAsset = MAX_RECORDS_PER_ASSET;

      expect(parse(withSource({ type: 'generate', recordsPerAsset })).source).toMatchObject({ recordsPerAsset });
    });

    it.each([
      ['the smallest size', MIN_BYTES_PER_ASSET],
      ['5 GiB', MAX_BYTES_PER_ASSET],
    ])('accepts %s in bytes per asset, instead of the default records', (_label, bytesPerAsset) => {
      expect(parse(withSource({ type: 'generate', assets: 2, bytesPerAsset })).source).toEqual({ type: 'generate', assets: 2, bytesPerAsset });
    });

    it.each([
      [MIN_BYTES_PER_ASSET - 1, `must be at least ${MIN_BYTES_PER_ASSET}`],
      [MAX_BYTES_PER_ASSET + 1, `must be at most ${MAX_BYTES_PER_ASSET}`],
      [2048.5, 'must be a whole number'],
      ['1GiB', 'must be a number'],
    ])('rejects %p bytes per asset', (bytesPerAsset, reason) => {
      expectRejected(withSource({ type: 'generate', bytesPerAsset }), `source.bytesPerAsset: ${reason}`);
    });

    it('rejects records and bytes per asset given together, naming both', () => {
      expectRejected(
        withSource({ type: 'generate', recordsPerAsset: 10, bytesPerAsset: MIN_BYTES_PER_ASSET }),
        'source.bytesPerAsset: is an alternative to "recordsPerAsset"; give only one of them',
      );
    });

    it('accepts an s3Prefix source', () => {
      const source = { type: 's3Prefix', prefix: 'incoming/2026-11-30/' };

      expect(parse(withSource(source)).source).toEqual(source);
    });

    it('requires the prefix of an s3Prefix source', () => {
      expectRejected(withSource({ type: 's3Prefix' }), 'source.prefix: is required');
    });

    it.each([
      ['with an etag', { type: 'manifest', key: 'manifests/incoming/x.json', etag: '"9b2cf535f27731c974343645a3985328"' }],
      ['without an etag', { type: 'manifest', key: 'manifests/incoming/x.json' }],
    ])('accepts a manifest source %s', (_label, source) => {
      expect(parse(withSource(source)).source).toEqual(source);
    });

    it('rejects an empty manifest etag', () => {
      expectRejected(withSource({ type: 'manifest', key: 'm.json', etag: '' }), 'source.etag: ');
    });

    it.each([
      ['an unknown type', { type: 'sqs' }],
      ['no type', { assets: 3 }],
    ])('rejects a source with %s, naming source.type', (_label, source) => {
      expectRejected(withSource(source), 'source.type: must be one of "generate", "s3Prefix", "manifest" or "generator"');
    });

    it.each([['null', null], ['a string', 'generate']])('rejects %s as the source', (_label, source) => {
      expectRejected(withSource(source), 'source: must be an object');
    });
  });

  describe('comment', () => {
    it('accepts a comment of exactly the limit', () => {
      const comment = 'c'.repeat(MAX_REVISION_COMMENT_LENGTH);

      expect(parse({ ...minimal(), comment }).comment).toBe(comment);
    });

    it('rejects a comment one character over the limit', () => {
      expectRejected({ ...minimal(), comment: 'c'.repeat(MAX_REVISION_COMMENT_LENGTH + 1) }, 'comment: must be at most 16384 characters');
    });

    it('rejects a comment that is not a string', () => {
      expectRejected({ ...minimal(), comment: 5 }, 'comment: must be a string');
    });
  });

  describe('errors', () => {
    it('names every bad field in one message and keeps the zod error as the cause', () => {
      // Arrange
      const value = { bucket: 'x', datasetId: 'short', source: { type: 'generate', assets: 0 } };

      // Act
      const act = () => parse(value);

      // Assert
      expect(act).toThrow(
        expect.objectContaining({
          name: 'InputValidationError',
          message: expect.stringMatching(/^Invalid workflow input: /),
          cause: expect.objectContaining({ issues: expect.any(Array) }),
        }),
      );
      expect(act).toThrow('bucket: must be 3 to 63 characters long');
      expect(act).toThrow('datasetId: must be a Data Exchange id');
      expect(act).toThrow('source.assets: must be at least 1');
    });
  });
});

describe('runIdFromExecutionName', () => {
  it('keeps a name that already matches the runId pattern', () => {
    expect(runIdFromExecutionName('nightly_2026-11-30')).toBe('nightly_2026-11-30');
  });

  it('replaces each character outside the pattern with "-"', () => {
    expect(runIdFromExecutionName('run 1/2:3.é')).toBe('run-1-2-3--');
  });

  it('cuts the name to 64 characters', () => {
    const runId = runIdFromExecutionName('a'.repeat(80));

    expect(runId).toBe('a'.repeat(64));
  });

  it('never returns an empty runId', () => {
    const runId = runIdFromExecutionName('');

    expect(runId.length).toBeGreaterThan(0);
    expect(runId).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it('returns a runId the workflow input accepts', () => {
    const runId = runIdFromExecutionName('Scheduled execution: 2026-11-30T00:00:00.000Z/'.repeat(3));

    expect(parse({ ...minimal(), runId }).runId).toBe(runId);
  });
});

describe('scheduledAt and scheduledRunId', () => {
  it('accepts the time a scheduled rule passes, and refuses one that is not a UTC date-time, naming the field', () => {
    expect(parse({ ...minimal(), scheduledAt: '2026-11-30T06:00:17Z' }).scheduledAt).toBe('2026-11-30T06:00:17Z');
    expectRejected({ ...minimal(), scheduledAt: 'yesterday' }, 'scheduledAt: must be an ISO 8601 date-time in UTC');
  });

  it('names the tick by its minute, so deliveries of one tick agree and the next tick differs', () => {
    expect(scheduledRunId('2026-11-30T06:00:17Z')).toBe('scheduled-20261130T0600Z');
    expect(scheduledRunId('2026-11-30T06:00:59Z')).toBe('scheduled-20261130T0600Z');
    expect(scheduledRunId('2026-11-30T06:01:00Z')).toBe('scheduled-20261130T0601Z');
  });

  it('returns a runId the workflow input accepts', () => {
    const runId = scheduledRunId('2026-12-31T23:59:00Z');

    expect(parse({ ...minimal(), runId }).runId).toBe(runId);
  });
});
