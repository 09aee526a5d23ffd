import { createHash } from 'node:crypto';
import { RUN_ID_MAX_LENGTH, RUN_ID_PATTERN } from '../../shared/limits';
import { fingerprintRunId } from '../../shared/run-id';

const hash12 = (fingerprint: string) => createHash('sha256').update(fingerprint).digest('hex').slice(0, 12);

describe('fingerprintRunId', () => {
  it('is the name, then the first 12 hex digits of the SHA-256 of the fingerprint', () => {
    expect(fingerprintRunId('daily_feed-2', 'v1')).toBe(`daily_feed-2-${hash12('v1')}`);
  });

  it('gives the same runId for the same fingerprint and another for another', () => {
    expect(fingerprintRunId('feed', 'etag-1')).toBe(fingerprintRunId('feed', 'etag-1'));
    expect(fingerprintRunId('feed', 'etag-1')).not.toBe(fingerprintRunId('feed', 'etag-2'));
  });

  it('turns each run of characters a runId cannot hold into one dash, and trims dashes at either end', () => {
    expect(fingerprintRunId('--my feed (v2).json!!', 'x')).toBe(`my-feed-v2-json-${hash12('x')}`);
  });

  it('cuts a long name so that the whole runId is at most 64 characters', () => {
    const runId = fingerprintRunId('n'.repeat(100), 'x');

    expect(runId).toBe(`${'n'.repeat(RUN_ID_MAX_LENGTH - 13)}-${hash12('x')}`);
    expect(runId).toHaveLength(RUN_ID_MAX_LENGTH);
    expect(runId).toMatch(RUN_ID_PATTERN);
  });

  it('is the hash alone when nothing of the name can be kept', () => {
    expect(fingerprintRunId('...', 'x')).toBe(hash12('x'));
  });
});
