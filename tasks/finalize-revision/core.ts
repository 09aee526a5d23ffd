import { ConflictException, type DataExchangeClient, GetRevisionCommand, paginateListRevisionAssets, UpdateRevisionCommand } from '@aws-sdk/client-dataexchange';
import { awsCall, RevisionStateError } from '../../shared/errors';
import type { FinalizeRevisionInput, FinalizeRevisionOutput } from '../../shared/schemas/payloads';

export interface FinalizeRevisionDeps {
  readonly dataExchange: DataExchangeClient;
}

async function countAssets(dataExchange: DataExchangeClient, input: FinalizeRevisionInput): Promise<number> {
  const resource = `revision ${input.revisionId} of data set ${input.datasetId}`;
  return awsCall({ action: 'dataexchange:ListRevisionAssets', resource }, async () => {
    let count = 0;
    const pages = paginateListRevisionAssets(
      { client: dataExchange, pageSize: 100 },
      { DataSetId: input.datasetId, RevisionId: input.revisionId },
    );
    for await (const page of pages) count += page.Assets?.length ?? 0;
    return count;
  });
}

/**
 * Finalizes a revision only when it holds exactly the assets the plan expects, so a partial import is never
 * published. Finalizing twice is harmless: an already-finalized revision with the right count is reported as is.
 */
export async function finalizeRevision(input: FinalizeRevisionInput, deps: FinalizeRevisionDeps): Promise<FinalizeRevisionOutput> {
  const resource = `revision ${input.revisionId} of data set ${input.datasetId}`;
  const assetCount = await countAssets(deps.dataExchange, input);
  if (assetCount === 0) throw new RevisionStateError(`${resource} holds no assets; an empty revision cannot be finalized`);
  if (assetCount !== input.expectedAssetCount) {
    throw new RevisionStateError(
      `${resource} holds ${assetCount} assets but the plan has ${input.expectedAssetCount}; it was left unfinalized`,
    );
  }
  const getRevision = () =>
    awsCall({ action: 'dataexchange:GetRevision', resource }, () =>
      deps.dataExchange.send(new GetRevisionCommand({ DataSetId: input.datasetId, RevisionId: input.revisionId })),
    );
  const revision = await getRevision();
  if (revision.Finalized !== true) {
    await awsCall({ action: 'dataexchange:UpdateRevision', resource }, async () => {
      try {
        await deps.dataExchange.send(
          new UpdateRevisionCommand({ DataSetId: input.datasetId, RevisionId: input.revisionId, Finalized: true }),
        );
      } catch (error) {
        // Finalized since GetRevision, by a lost-and-retried call or another execution of the runId: the goal is met.
        // GetRevision maps its own failure, which the UpdateRevision mapping then passes through.
        if (!(error instanceof ConflictException)) throw error;
        const now = await getRevision();
        if (now.Finalized !== true) throw error;
      }
    });
  }
  return { revisionId: input.revisionId, finalized: true, assetCount };
}
