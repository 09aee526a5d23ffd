import { createHash } from 'node:crypto';
import { RUN_ID_MAX_LENGTH } from './limits';

const FINGERPRINT_HASH_LENGTH = 12;

/**
 * A runId that a person can recognize and that identifies one version of some input: a slug of `name`, then a
 * short hash of `fingerprint`. The same fingerprint always gives the same runId, so the same input publishes once.
 */
export function fingerprintRunId(name: string, fingerprint: string): string {
  const hash = createHash('sha256').update(fingerprint).digest('hex').slice(0, FINGERPRINT_HASH_LENGTH);
  const slug = name
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, RUN_ID_MAX_LENGTH - FINGERPRINT_HASH_LENGTH - 1);
  return slug.length > 0 ? `${slug}-${hash}` : hash;
}
