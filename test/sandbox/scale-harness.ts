import { GetRevisionCommand, paginateListJobs, paginateListRevisionAssets } from '@aws-sdk/client-dataexchange';
import { type HistoryEvent, SFNClient } from '@aws-sdk/client-sfn';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { cli, type CliResult, clientOptions, type Inspection } from '../cli/harness';
import { fullHistory } from './sandbox-harness';

/* What the scale tests share: the CLI run, and Step Functions' own limits, checked against what the sandbox recorded. */

/** Step Functions' own limits, which the sandbox does not enforce: the test does. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;
export const MAX_HISTORY_EVENTS = 25_000;

export function payloadsOf(event: HistoryEvent): string[] {
  const details = Object.values(event).filter((value): value is Record<string, unknown> => typeof value === 'object' && value !== null);
  return details.flatMap((detail) => [detail.input, detail.output].filter((text): text is string => typeof text === 'string'));
}

interface RevisionState {
  readonly comment: string | undefined;
  readonly finalized: boolean | undefined;
  readonly assets: number;
  readonly jobs: number;
}

export async function revisionState({ sandbox, dataExchange }: Inspection, revisionId: string): Promise<RevisionState> {
  const ids = { DataSetId: sandbox.dataSetId, RevisionId: revisionId };
  const revision = await dataExchange.send(new GetRevisionCommand(ids));
  let assets = 0;
  // Each paginator gets its own input: they write their NextToken into it.
  for await (const page of paginateListRevisionAssets({ client: dataExchange }, { ...ids })) assets += page.Assets?.length ?? 0;
  let jobs = 0;
  for await (const page of paginateListJobs({ client: dataExchange }, { ...ids })) jobs += page.Jobs?.length ?? 0;
  return { comment: revision.Comment, finalized: revision.Finalized, assets, jobs };
}

export async function histories({ sandbox }: Inspection, executionArns: readonly string[]): Promise<HistoryEvent[][]> {
  const sfn = new SFNClient({ ...clientOptions, endpoint: sandbox.endpoints.sfn });
  return Promise.all(executionArns.map((arn) => fullHistory(sfn, arn)));
}

/** A fresh sandbox directory per test, and `dx-flow run --local` of generated assets in it. */
export function scaleRuns(): { directory: () => string; run: (runId: string, assets: number) => Promise<CliResult> } {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-scale-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));
  return {
    directory: () => directory,
    run: (runId, assets) =>
      cli(['run', '--local', '--sandbox-dir', directory, '--json', '--input', JSON.stringify({ runId, source: { type: 'generate', assets, recordsPerAsset: 1 } })]),
  };
}
