import { GetRevisionCommand, RevokeRevisionCommand, type DataExchangeClient } from '@aws-sdk/client-dataexchange';
import * as z from 'zod';
import { RevisionId, RunId } from '../../shared/schemas/fields';
import { CliError } from '../errors';
import { type Confirm, declined } from './confirm';
import { parseFlags } from './flags';
import { listedRevision, revisionsOfRun, stateOf, type ListedRevision } from './revisions';

/*
 * `dx-flow revoke`: RevokeRevision on one revision, or on every part of a run. Revoking cuts every
 * subscriber off the revision at once (they can no longer export it; the assets stay), and each subscriber
 * gets a `Revision Revoked` event carrying the comment.
 * RevokeRevision: https://docs.aws.amazon.com/data-exchange/latest/apireference/API_RevokeRevision.html
 * Revoking revisions: https://docs.aws.amazon.com/data-exchange/latest/userguide/revoking-revisions.html
 */

/** RevokeRevision's RevocationComment: required, 10 to 512 characters. */
const REVOCATION_COMMENT_MIN_LENGTH = 10;
const REVOCATION_COMMENT_MAX_LENGTH = 512;

const COMMENT_LENGTH = `must be ${REVOCATION_COMMENT_MIN_LENGTH} to ${REVOCATION_COMMENT_MAX_LENGTH} characters: subscribers read it as the reason`;

/** The flags, keyed as typed, so that each problem names its flag; checked before any call to AWS. */
const RevokeFlags = z
  .object({
    '--run-id': RunId.optional(),
    '--revision': RevisionId.optional(),
    '--comment': z.string().min(REVOCATION_COMMENT_MIN_LENGTH, COMMENT_LENGTH).max(REVOCATION_COMMENT_MAX_LENGTH, COMMENT_LENGTH),
  })
  .refine((flags) => (flags['--run-id'] === undefined) !== (flags['--revision'] === undefined), {
    message: 'give exactly one of --run-id and --revision',
    path: ['--run-id'],
  });

export interface RevokeFlagValues {
  readonly runId?: string;
  readonly revision?: string;
  readonly comment?: string;
}

export interface RevokeRequest {
  readonly datasetId: string;
  readonly runId?: string;
  readonly revisionId?: string;
  readonly comment: string;
}

/** The request the flags make, for whichever data set the target names. */
export function parseRevokeFlags(flags: RevokeFlagValues): Omit<RevokeRequest, 'datasetId'> {
  const parsed = parseFlags(RevokeFlags, { '--run-id': flags.runId, '--revision': flags.revision, '--comment': flags.comment });
  return { runId: parsed['--run-id'], revisionId: parsed['--revision'], comment: parsed['--comment'] };
}

export interface RevokedRevision {
  readonly revisionId: string;
  readonly runId: string | null;
  readonly part: number | null;
  /** `revoked` by this command, or `already revoked` before it. */
  readonly outcome: 'revoked' | 'already revoked';
  readonly revokedAt: string | null;
}

/** The `--json` output of `dx-flow revoke`. */
export interface RevokeReport {
  readonly datasetId: string;
  readonly runId: string | null;
  readonly revisions: readonly RevokedRevision[];
}

export interface RevokeDeps {
  readonly dataExchange: DataExchangeClient;
  readonly confirm: Confirm;
}

/**
 * What the request names. Only finalized revisions were ever published, so only they can be revoked: a run's
 * unfinalized leftovers (an attempt that lost a race, say) are passed over, and naming one alone is refused.
 */
async function targets(request: RevokeRequest, dataExchange: DataExchangeClient): Promise<ListedRevision[]> {
  if (request.runId !== undefined) {
    const published = (await revisionsOfRun(dataExchange, request.datasetId, request.runId)).filter(({ entry }) => stateOf(entry) !== 'open');
    if (published.length === 0) throw new CliError(`Run ${request.runId} has no finalized revision in data set ${request.datasetId}: nothing was published to revoke.`);
    return published;
  }
  const revisionId = request.revisionId!;
  const revision = await dataExchange.send(new GetRevisionCommand({ DataSetId: request.datasetId, RevisionId: revisionId }));
  if (stateOf(revision) === 'open') throw new CliError(`Revision ${revisionId} is not finalized: it was never published, so there is nothing to revoke.`);
  return [listedRevision({ ...revision, Id: revisionId })];
}

const outcomeOf = (revision: ListedRevision, outcome: RevokedRevision['outcome'], revokedAt: Date | undefined): RevokedRevision => ({
  revisionId: revision.entry.Id,
  runId: revision.runId,
  part: revision.part,
  outcome,
  revokedAt: revokedAt?.toISOString() ?? null,
});

/**
 * Revokes one revision. A ConflictException is what RevokeRevision may answer for a revision revoked meanwhile
 * (AWS documents the error, not when): a revision that reads as revoked then is reported as such.
 */
async function revokeOne(revision: ListedRevision, request: RevokeRequest, dataExchange: DataExchangeClient): Promise<RevokedRevision> {
  const ids = { DataSetId: request.datasetId, RevisionId: revision.entry.Id };
  try {
    const revoked = await dataExchange.send(new RevokeRevisionCommand({ ...ids, RevocationComment: request.comment }));
    return outcomeOf(revision, 'revoked', revoked.RevokedAt);
  } catch (error) {
    if ((error as Error).name !== 'ConflictException') throw error;
    const now = await dataExchange.send(new GetRevisionCommand(ids));
    if (now.Revoked !== true) throw error;
    return outcomeOf(revision, 'already revoked', now.RevokedAt);
  }
}

/**
 * Revokes the revision, or every published part of the run, after confirmation. Idempotent: revisions already
 * revoked are reported as such, and when all are, nothing is asked or called. The parts are revoked one by
 * one; should a call fail midway, running the command again revokes the rest.
 */
export async function revoke(request: RevokeRequest, deps: RevokeDeps): Promise<RevokeReport> {
  const chosen = await targets(request, deps.dataExchange);
  const pending = chosen.filter(({ entry }) => entry.Revoked !== true);
  if (pending.length > 0) {
    const what = request.runId === undefined ? `revision ${request.revisionId}` : `${pending.length} revision(s) of run ${request.runId}`;
    if (!(await deps.confirm(`Revoke ${what} in data set ${request.datasetId} (every subscriber loses access at once)?`))) throw declined(what);
  }
  const revisions: RevokedRevision[] = [];
  for (const revision of chosen) {
    revisions.push(
      revision.entry.Revoked === true ? outcomeOf(revision, 'already revoked', revision.entry.RevokedAt) : await revokeOne(revision, request, deps.dataExchange),
    );
  }
  return { datasetId: request.datasetId, runId: request.runId ?? revisions[0]?.runId ?? null, revisions };
}

export function describeRevoke(report: RevokeReport): string {
  return report.revisions
    .map((revision) => {
      const run = revision.runId === null ? '' : ` (run ${revision.runId}${revision.part !== null && revision.part > 1 ? ` part ${revision.part}` : ''})`;
      return `Revision ${revision.revisionId}${run}: ${revision.outcome}${revision.outcome === 'already revoked' ? '; nothing to do' : ''}`;
    })
    .join('\n');
}
