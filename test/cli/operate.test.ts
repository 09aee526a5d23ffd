import {
  DataExchangeClient,
  DeleteDataGrantCommand,
  GetRevisionCommand,
  ListDataGrantsCommand,
  ListDataSetRevisionsCommand,
  ListRevisionAssetsCommand,
  RevokeRevisionCommand,
  SendDataSetNotificationCommand,
  type DataGrantSummaryEntry,
  type RevisionEntry,
} from '@aws-sdk/client-dataexchange';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { confirmation } from '../../cli/operate/confirm';
import { revokeGrant } from '../../cli/operate/grants';
import { revoke } from '../../cli/operate/revoke';
import { runMarker } from '../../tasks/create-revision/core';
import { awsError, ACCOUNT_A, ACCOUNT_B, DATA_SET_ID, OTHER_REVISION_ID, REVISION_ID } from '../fixtures/ids';
import { cli } from './harness';

/*
 * The commands that operate a data set, through main() over a mocked Data Exchange: the data set is given with
 * --dataset, as on AWS without an outputs file. Jest's stdin is no terminal, so without --yes a command that
 * asks for confirmation refuses.
 */

const dataExchange = mockClient(DataExchangeClient);

const OPEN_REVISION_ID = 'aaaa0000bbbb1111cccc2222dddd3333';
const FOREIGN_REVISION_ID = '9999aaaa8888bbbb7777cccc6666dddd';
const OTHER_DATA_SET_ID = 'ffffeeeeddddccccbbbbaaaa99998888';
const COMMENT = 'Published the wrong day of data';
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:PublishRevision';

const at = (iso: string) => new Date(iso);

/** Run `r-2` in two finalized parts and an open leftover; run `r-1` in one; one revision made by hand. */
function revisions(overrides: Partial<Record<string, Partial<RevisionEntry>>> = {}): RevisionEntry[] {
  const entry = (Id: string, Comment: string, CreatedAt: string, Finalized = true): RevisionEntry => ({
    Id,
    Arn: `arn:aws:dataexchange:us-east-1:123456789012:data-sets/${DATA_SET_ID}/revisions/${Id}`,
    DataSetId: DATA_SET_ID,
    Comment,
    CreatedAt: at(CreatedAt),
    UpdatedAt: at(CreatedAt),
    Finalized,
    ...overrides[Id],
  });
  // Listed out of order: the command sorts newest first itself.
  return [
    entry(FOREIGN_REVISION_ID, 'made in the console', '2026-11-28T10:00:00Z'),
    entry(REVISION_ID, `${runMarker('r-2')}: nightly`, '2026-11-30T06:00:00Z'),
    entry(OTHER_REVISION_ID, runMarker('r-2', 1), '2026-11-30T06:05:00Z'),
    entry(OPEN_REVISION_ID, runMarker('r-2'), '2026-11-30T06:01:00Z', false),
    entry('1234123412341234123412341234abcd', runMarker('r-1'), '2026-11-29T06:00:00Z'),
  ];
}

function arrangeRevisions(overrides?: Parameters<typeof revisions>[0]) {
  dataExchange.on(ListDataSetRevisionsCommand).resolves({ Revisions: revisions(overrides) });
  // Two assets of 100 and 250 bytes in every revision.
  dataExchange.on(ListRevisionAssetsCommand).resolves({
    Assets: [100, 250].map((Size, index) => ({
      Id: `asset${index}`.padEnd(32, '0'),
      Arn: 'arn',
      Name: `data/${index}.csv`,
      AssetType: 'S3_SNAPSHOT',
      AssetDetails: { S3SnapshotAsset: { Size } },
      DataSetId: DATA_SET_ID,
      RevisionId: REVISION_ID,
      CreatedAt: at('2026-11-30T06:00:00Z'),
      UpdatedAt: at('2026-11-30T06:00:00Z'),
    })),
  });
}

const operate = (...argv: string[]) => cli([...argv, '--dataset', DATA_SET_ID]);

describe('dx-flow revisions', () => {
  beforeEach(() => dataExchange.reset());

  it('lists runs newest first, the parts of a run as one run, with asset counts and bytes', async () => {
    // Arrange
    arrangeRevisions({ [REVISION_ID]: { Revoked: true, RevokedAt: at('2026-11-30T08:00:00Z'), RevocationComment: COMMENT } });

    // Act
    const result = await operate('revisions', '--json');

    // Assert
    expect(result.code).toBe(0);
    const report = result.json() as { runs: Array<{ runId: string | null; state: string; revisions: Array<Record<string, unknown>> }> };
    expect(report.runs.map((run) => [run.runId, run.state, run.revisions.map((revision) => revision.part)])).toEqual([
      ['r-2', 'mixed', [2, 1, 1]],
      ['r-1', 'finalized', [1]],
      [null, 'finalized', [null]],
    ]);
    expect(report.runs[0]).toMatchObject({ assetCount: 6, bytes: 1050, createdAt: '2026-11-30T06:05:00.000Z' });
    expect(report.runs[0].revisions[2]).toEqual({
      id: REVISION_ID,
      arn: `arn:aws:dataexchange:us-east-1:123456789012:data-sets/${DATA_SET_ID}/revisions/${REVISION_ID}`,
      part: 1,
      state: 'revoked',
      assetCount: 2,
      bytes: 350,
      createdAt: '2026-11-30T06:00:00.000Z',
      revokedAt: '2026-11-30T08:00:00.000Z',
      revocationComment: COMMENT,
    });
    expect(report.runs[0].revisions[1]).toMatchObject({ id: OPEN_REVISION_ID, state: 'open' });
    expect(result.stderr).toContain('run r-2: 3 parts, mixed, 6 assets, 1050 bytes');
  });

  it("shows one run's revisions with --run-id, and names a run the data set does not hold", async () => {
    arrangeRevisions();

    const one = await operate('revisions', '--run-id', 'r-1', '--json');
    const none = await operate('revisions', '--run-id', 'r-9');

    expect(one.json()).toMatchObject({ datasetId: DATA_SET_ID, runs: [{ runId: 'r-1', revisions: [{ id: '1234123412341234123412341234abcd' }] }] });
    expect(dataExchange).toHaveReceivedCommandTimes(ListRevisionAssetsCommand, 1);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(`dx-flow: No revision of data set ${DATA_SET_ID} records run r-9: see \`dx-flow revisions\`.\n`);
  });

  it('counts the assets of at most --limit runs', async () => {
    arrangeRevisions();

    const result = await operate('revisions', '--limit', '1', '--json');

    expect((result.json() as { runs: unknown[] }).runs).toHaveLength(1);
    expect(dataExchange).toHaveReceivedCommandTimes(ListRevisionAssetsCommand, 3);
  });

  it('refuses a --dataset that is neither a Data Exchange id nor a data set name before any call', async () => {
    const result = await cli(['revisions', '--dataset', 'Not_An_Id']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'dx-flow: --dataset: must be a Data Exchange data set id (30 to 40 letters and digits) or a configured data set name (lowercase letters, digits and "-").\n',
    );
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });

  it('explains a denied listing in one sentence', async () => {
    dataExchange.on(ListDataSetRevisionsCommand).rejects(awsError('AccessDeniedException', 403));

    const result = await operate('revisions');

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^dx-flow: AWS denied the request: AccessDeniedException from the mock\n$/);
  });
});

describe('--dataset by name', () => {
  const WEATHER_ID = OTHER_DATA_SET_ID;
  let scratch: string;
  let outputsFile: string;
  beforeEach(() => {
    dataExchange.reset();
    arrangeRevisions();
    scratch = mkdtempSync(path.join(tmpdir(), 'dx-flow-operate-names-'));
    outputsFile = path.join(scratch, 'outputs.json');
    const DataSets = JSON.stringify({ default: DATA_SET_ID, weather: WEATHER_ID });
    writeFileSync(outputsFile, JSON.stringify({ DataExchangeStack: { StateMachineArn: STATE_MACHINE_ARN, DataSetId: DATA_SET_ID, DataSets } }));
  });
  afterEach(() => rmSync(scratch, { recursive: true, force: true }));

  it("resolves a name by the outputs file's DataSets", async () => {
    const result = await cli(['revisions', '--outputs-file', outputsFile, '--dataset', 'weather', '--json']);

    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ datasetId: WEATHER_ID });
    expect(dataExchange).toHaveReceivedCommandWith(ListDataSetRevisionsCommand, { DataSetId: WEATHER_ID });
  });

  it('resolves a name by DX_FLOW_DATA_SET_IDS, as `dx-flow sandbox up` exports it, when no target names the data sets', async () => {
    const env = jest.replaceProperty(process, 'env', { ...process.env, DX_FLOW_DATA_SET_IDS: JSON.stringify({ weather: WEATHER_ID }) });
    try {
      const result = await cli(['revisions', '--dataset', 'weather', '--json']);

      expect(result.code).toBe(0);
      expect(result.json()).toMatchObject({ datasetId: WEATHER_ID });
      expect(dataExchange).toHaveReceivedCommandWith(ListDataSetRevisionsCommand, { DataSetId: WEATHER_ID });
    } finally {
      env.restore();
    }
  });

  it.each([
    ['a name the outputs file does not list', ['--outputs-file', 'OUTPUTS', '--dataset', 'rain'], '--dataset rain is neither a data set id nor a known data set name; the names are default, weather.'],
    [
      'a name with no names known',
      ['--dataset', 'weather'],
      '--dataset weather is a data set name, but no names are known here: give the data set\'s id, --local, an --outputs-file with a DataSets output, or set DX_FLOW_DATA_SET_IDS.',
    ],
  ])('refuses %s with exit 2, before any call', async (_, argv, message) => {
    const result = await cli(['revisions', ...argv.map((arg) => (arg === 'OUTPUTS' ? outputsFile : arg))]);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`dx-flow: ${message}\n`);
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });

  it('refuses an outputs file whose DataSets output is not JSON of names to ids, naming the output', async () => {
    writeFileSync(outputsFile, JSON.stringify({ DataExchangeStack: { StateMachineArn: STATE_MACHINE_ARN, DataSets: '{weather}' } }));

    const result = await cli(['revisions', '--outputs-file', outputsFile, '--dataset', 'weather']);

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`dx-flow: ${outputsFile}: the provider stack's outputs are not as dx-flow's stack writes them: DataSets: must be JSON.\n`);
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });

  it('refuses a DX_FLOW_DATA_SET_IDS that is not JSON of names to ids, naming the variable', async () => {
    const env = jest.replaceProperty(process, 'env', { ...process.env, DX_FLOW_DATA_SET_IDS: '{"weather":"not an id"}' });
    try {
      const result = await cli(['revisions', '--dataset', 'weather']);

      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^dx-flow: DX_FLOW_DATA_SET_IDS: weather: must be a Data Exchange id/);
    } finally {
      env.restore();
    }
  });
});

describe('dx-flow revoke', () => {
  beforeEach(() => dataExchange.reset());

  it.each([
    ['a 9-character comment', ['--run-id', 'r-2', '--comment', 'too short'], '--comment: must be 10 to 512 characters'],
    ['a 513-character comment', ['--run-id', 'r-2', '--comment', 'x'.repeat(513)], '--comment: must be 10 to 512 characters'],
    ['no comment', ['--run-id', 'r-2'], '--comment: is required'],
    ['neither run nor revision', ['--comment', COMMENT], '--run-id: give exactly one of --run-id and --revision'],
    ['both run and revision', ['--run-id', 'r-2', '--revision', REVISION_ID, '--comment', COMMENT], '--run-id: give exactly one of --run-id and --revision'],
    ['a revision that is no id', ['--revision', 'short', '--comment', COMMENT], '--revision: must be a Data Exchange id'],
  ])('refuses %s before any call, naming the flag', async (_, flags, message) => {
    const result = await operate('revoke', ...flags, '--yes');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });

  it('revokes every finalized part of a run together, passing over its unfinalized leftover', async () => {
    // Arrange
    arrangeRevisions();
    dataExchange.on(RevokeRevisionCommand).callsFake((input: { RevisionId: string }) => ({ Id: input.RevisionId, RevokedAt: at('2026-12-01T00:00:00Z') }));

    // Act
    const result = await operate('revoke', '--run-id', 'r-2', '--comment', COMMENT, '--yes', '--json');

    // Assert
    expect(result.code).toBe(0);
    expect(dataExchange).toHaveReceivedCommandTimes(RevokeRevisionCommand, 2);
    for (const id of [REVISION_ID, OTHER_REVISION_ID]) {
      expect(dataExchange).toHaveReceivedCommandWith(RevokeRevisionCommand, { DataSetId: DATA_SET_ID, RevisionId: id, RevocationComment: COMMENT });
    }
    expect(result.json()).toEqual({
      datasetId: DATA_SET_ID,
      runId: 'r-2',
      revisions: [
        { revisionId: OTHER_REVISION_ID, runId: 'r-2', part: 2, outcome: 'revoked', revokedAt: '2026-12-01T00:00:00.000Z' },
        { revisionId: REVISION_ID, runId: 'r-2', part: 1, outcome: 'revoked', revokedAt: '2026-12-01T00:00:00.000Z' },
      ],
    });
  });

  it('says a revoked revision is already revoked and succeeds, asking nothing and revoking nothing', async () => {
    arrangeRevisions({
      [REVISION_ID]: { Revoked: true, RevokedAt: at('2026-11-30T08:00:00Z') },
      [OTHER_REVISION_ID]: { Revoked: true, RevokedAt: at('2026-11-30T08:00:00Z') },
    });

    // No --yes, and no terminal: nothing is left to confirm.
    const result = await operate('revoke', '--run-id', 'r-2', '--comment', COMMENT);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Revision ${REVISION_ID} (run r-2): already revoked; nothing to do`);
    expect(dataExchange).not.toHaveReceivedCommand(RevokeRevisionCommand);
  });

  it('revokes only the parts left when one part was revoked before', async () => {
    arrangeRevisions({ [OTHER_REVISION_ID]: { Revoked: true } });
    dataExchange.on(RevokeRevisionCommand).resolves({ RevokedAt: at('2026-12-01T00:00:00Z') });

    const result = await operate('revoke', '--run-id', 'r-2', '--comment', COMMENT, '--yes', '--json');

    expect(dataExchange).toHaveReceivedCommandTimes(RevokeRevisionCommand, 1);
    expect(dataExchange).toHaveReceivedCommandWith(RevokeRevisionCommand, { RevisionId: REVISION_ID });
    expect((result.json() as { revisions: Array<{ outcome: string }> }).revisions.map((revision) => revision.outcome)).toEqual(['already revoked', 'revoked']);
  });

  it('reports a revision revoked meanwhile (ConflictException, then read as revoked) as already revoked', async () => {
    dataExchange.on(GetRevisionCommand).resolvesOnce({ Id: REVISION_ID, Finalized: true }).resolves({ Id: REVISION_ID, Finalized: true, Revoked: true });
    dataExchange.on(RevokeRevisionCommand).rejects(awsError('ConflictException', 409));

    const result = await operate('revoke', '--revision', REVISION_ID, '--comment', COMMENT, '--yes', '--json');

    expect(result.code).toBe(0);
    expect(result.json()).toMatchObject({ runId: null, revisions: [{ revisionId: REVISION_ID, outcome: 'already revoked' }] });
  });

  it('explains a ConflictException for a revision that is still not revoked', async () => {
    dataExchange.on(GetRevisionCommand).resolves({ Id: REVISION_ID, Finalized: true });
    dataExchange.on(RevokeRevisionCommand).rejects(awsError('ConflictException', 409));

    const result = await operate('revoke', '--revision', REVISION_ID, '--comment', COMMENT, '--yes');

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^dx-flow: AWS refused the change in the resource's current state/);
  });

  it('refuses an unfinalized revision, which was never published', async () => {
    dataExchange.on(GetRevisionCommand).resolves({ Id: OPEN_REVISION_ID, Finalized: false });

    const result = await operate('revoke', '--revision', OPEN_REVISION_ID, '--comment', COMMENT, '--yes');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('is not finalized: it was never published');
    expect(dataExchange).not.toHaveReceivedCommand(RevokeRevisionCommand);
  });

  it('refuses without --yes when stdin is no terminal, having revoked nothing', async () => {
    arrangeRevisions();

    const result = await operate('revoke', '--run-id', 'r-2', '--comment', COMMENT, '--json');

    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      `dx-flow: Revoke 2 revision(s) of run r-2 in data set ${DATA_SET_ID} (every subscriber loses access at once): this needs confirmation, and stdin is no terminal; give --yes.\n`,
    );
    expect(result.json()).toMatchObject({ status: 'REJECTED', error: 'CliError' });
    expect(dataExchange).not.toHaveReceivedCommand(RevokeRevisionCommand);
  });
});

describe('the cores of revoke and revoke-grant, answered no', () => {
  beforeEach(() => dataExchange.reset());

  it('asks before revoking, and on no revokes nothing and says so', async () => {
    arrangeRevisions();
    const confirm = jest.fn().mockResolvedValue(false);

    const revoking = revoke({ datasetId: DATA_SET_ID, runId: 'r-2', comment: COMMENT }, { dataExchange: new DataExchangeClient({}), confirm });

    await expect(revoking).rejects.toMatchObject({ name: 'CliFailure', error: 'NotConfirmed', message: 'Not confirmed: 2 revision(s) of run r-2 left as it was.' });
    expect(confirm).toHaveBeenCalledWith(`Revoke 2 revision(s) of run r-2 in data set ${DATA_SET_ID} (every subscriber loses access at once)?`);
    expect(dataExchange).not.toHaveReceivedCommand(RevokeRevisionCommand);
  });

  it('asks before deleting a grant, and on no deletes nothing', async () => {
    dataExchange.on(ListDataGrantsCommand).resolves({
      DataGrantSummaries: [{ Id: REVISION_ID, ReceiverPrincipal: ACCOUNT_A, SourceDataSetId: DATA_SET_ID } as DataGrantSummaryEntry],
    });

    const deleting = revokeGrant(ACCOUNT_A, DATA_SET_ID, { dataExchange: new DataExchangeClient({}), confirm: async () => false });

    await expect(deleting).rejects.toMatchObject({ error: 'NotConfirmed' });
    expect(dataExchange).not.toHaveReceivedCommand(DeleteDataGrantCommand);
  });
});

describe('the confirmation prompt on a terminal', () => {
  /** A terminal whose user types `answer`; returns the answer given and what the prompt wrote. */
  async function ask(answer: string) {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const output = new PassThrough();
    let written = '';
    output.on('data', (chunk: Buffer) => (written += chunk.toString()));
    const asked = confirmation({}, { input, output })('Revoke it?');
    input.write(`${answer}\n`);
    return { confirmed: await asked, written };
  }

  it.each([
    ['y', true],
    ['YES', true],
    ['n', false],
    ['', false],
    ['sure', false],
  ])('takes %j as %s', async (answer, confirmed) => {
    const result = await ask(answer);

    expect(result.confirmed).toBe(confirmed);
    expect(result.written).toBe('Revoke it? [y/N] ');
  });

  it('asks nothing with --yes', async () => {
    await expect(confirmation({ yes: true }, { input: new PassThrough(), output: new PassThrough() })('Revoke it?')).resolves.toBe(true);
  });
});

describe('dx-flow grants and revoke-grant', () => {
  const grant = (Id: string, ReceiverPrincipal: string, SourceDataSetId = DATA_SET_ID, extra: Partial<DataGrantSummaryEntry> = {}): DataGrantSummaryEntry => ({
    Id,
    Arn: `arn:aws:dataexchange:us-east-1:123456789012:data-grants/${Id}`,
    Name: `dx-flow ${SourceDataSetId} for ${ReceiverPrincipal}`,
    SenderPrincipal: '123456789012',
    ReceiverPrincipal,
    AcceptanceState: 'ACCEPTED',
    DataSetId: SourceDataSetId,
    SourceDataSetId,
    CreatedAt: at('2026-11-30T06:10:00Z'),
    UpdatedAt: at('2026-11-30T06:10:00Z'),
    ...extra,
  });

  beforeEach(() => {
    dataExchange.reset();
    dataExchange.on(ListDataGrantsCommand).resolves({
      DataGrantSummaries: [
        grant(REVISION_ID, ACCOUNT_A, DATA_SET_ID, { AcceptedAt: at('2026-11-30T07:00:00Z'), EndsAt: at('2027-01-01T00:00:00Z') }),
        grant(OTHER_REVISION_ID, ACCOUNT_B, DATA_SET_ID, { AcceptanceState: 'PENDING_RECEIVER_ACCEPTANCE', CreatedAt: at('2026-11-29T06:10:00Z') }),
        grant(OPEN_REVISION_ID, ACCOUNT_A, OTHER_DATA_SET_ID),
      ],
    });
  });

  it("lists the data set's grants, oldest first, and no other data set's", async () => {
    const result = await operate('grants', '--json');

    expect(result.code).toBe(0);
    expect(result.json()).toEqual({
      datasetId: DATA_SET_ID,
      grants: [
        {
          receiver: ACCOUNT_B,
          id: OTHER_REVISION_ID,
          arn: `arn:aws:dataexchange:us-east-1:123456789012:data-grants/${OTHER_REVISION_ID}`,
          acceptance: 'PENDING_RECEIVER_ACCEPTANCE',
          acceptedAt: null,
          endsAt: null,
          createdAt: '2026-11-29T06:10:00.000Z',
        },
        {
          receiver: ACCOUNT_A,
          id: REVISION_ID,
          arn: `arn:aws:dataexchange:us-east-1:123456789012:data-grants/${REVISION_ID}`,
          acceptance: 'ACCEPTED',
          acceptedAt: '2026-11-30T07:00:00.000Z',
          endsAt: '2027-01-01T00:00:00.000Z',
          createdAt: '2026-11-30T06:10:00.000Z',
        },
      ],
    });
  });

  it("deletes the account's grant of this data set, and no other", async () => {
    dataExchange.on(DeleteDataGrantCommand).resolves({});

    const result = await operate('revoke-grant', ACCOUNT_A, '--yes', '--json');

    expect(result.code).toBe(0);
    expect(dataExchange).toHaveReceivedCommandTimes(DeleteDataGrantCommand, 1);
    expect(dataExchange).toHaveReceivedCommandWith(DeleteDataGrantCommand, { DataGrantId: REVISION_ID });
    expect(result.json()).toMatchObject({ datasetId: DATA_SET_ID, receiver: ACCOUNT_A, deleted: [{ id: REVISION_ID, receiver: ACCOUNT_A }] });
  });

  it('counts a grant deleted meanwhile as done', async () => {
    dataExchange.on(DeleteDataGrantCommand).rejects(awsError('ResourceNotFoundException', 404));

    const result = await operate('revoke-grant', ACCOUNT_A, '--yes');

    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Deleted data grant ${REVISION_ID}`);
  });

  it('says an account with no grant has nothing to revoke, and succeeds', async () => {
    const result = await operate('revoke-grant', '999988887777', '--json');

    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`Account 999988887777 holds no data grant of data set ${DATA_SET_ID}: nothing to revoke.`);
    expect(result.json()).toEqual({ datasetId: DATA_SET_ID, receiver: '999988887777', deleted: [] });
    expect(dataExchange).not.toHaveReceivedCommand(DeleteDataGrantCommand);
  });

  it('refuses without --yes when stdin is no terminal', async () => {
    const result = await operate('revoke-grant', ACCOUNT_B);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`Delete 1 data grant(s) of data set ${DATA_SET_ID} to account ${ACCOUNT_B}`);
    expect(dataExchange).not.toHaveReceivedCommand(DeleteDataGrantCommand);
  });

  it('refuses an account that is no account id before any call', async () => {
    const result = await operate('revoke-grant', '1234', '--yes');

    expect(result.code).toBe(2);
    expect(result.stderr).toBe('dx-flow: <account>: must be a 12-digit AWS account id.\n');
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });
});

describe('dx-flow notice', () => {
  beforeEach(() => {
    dataExchange.reset();
    dataExchange.on(SendDataSetNotificationCommand).resolves({});
  });

  it('sends a DATA_DELAY notice with a ClientToken, and says what subscribers receive', async () => {
    const result = await operate('notice', 'DATA_DELAY', '--comment', 'Late: the source is down', '--json');

    expect(result.code).toBe(0);
    const sent = dataExchange.commandCalls(SendDataSetNotificationCommand)[0].args[0].input;
    expect(sent).toEqual({ DataSetId: DATA_SET_ID, Type: 'DATA_DELAY', Comment: 'Late: the source is down', ClientToken: expect.stringMatching(/^dx-flow-[0-9a-f]{56}$/) });
    expect(result.json()).toEqual({
      datasetId: DATA_SET_ID,
      type: 'DATA_DELAY',
      eventType: 'Data Set Update Delayed',
      clientToken: sent.ClientToken,
      comment: 'Late: the source is down',
      details: null,
    });
  });

  it('derives the ClientToken from what the notice says: the same command repeats it, another comment changes it', async () => {
    await operate('notice', 'DATA_DELAY', '--comment', 'Late again');
    await operate('notice', 'DATA_DELAY', '--comment', 'Late again');
    await operate('notice', 'DATA_DELAY', '--comment', 'Late once more');

    const tokens = dataExchange.commandCalls(SendDataSetNotificationCommand).map((call) => call.args[0].input.ClientToken);
    expect(tokens[0]).toBe(tokens[1]);
    expect(tokens[2]).not.toBe(tokens[0]);
  });

  it('sends each detail with its type', async () => {
    await operate('notice', 'DATA_UPDATE', '--data-updated-at', '2026-11-30T06:00:00Z');
    await operate('notice', 'DEPRECATION', '--deprecation-at', '2099-01-01');
    await operate(
      'notice',
      'SCHEMA_CHANGE',
      '--schema-change-at',
      '2099-01-01T00:00:00Z',
      '--schema-change',
      'region:ADD',
      '--schema-change',
      'amount:MODIFY:now in cents: no decimals',
    );

    const details = dataExchange.commandCalls(SendDataSetNotificationCommand).map((call) => call.args[0].input.Details);
    expect(details).toEqual([
      { DataUpdate: { DataUpdatedAt: at('2026-11-30T06:00:00Z') } },
      { Deprecation: { DeprecationAt: at('2099-01-01T00:00:00Z') } },
      {
        SchemaChange: {
          SchemaChangeAt: at('2099-01-01T00:00:00Z'),
          Changes: [
            { Name: 'region', Type: 'ADD' },
            { Name: 'amount', Type: 'MODIFY', Description: 'now in cents: no decimals' },
          ],
        },
      },
    ]);
  });

  it.each([
    ['an unknown type', ['LATE'], '<type>: Invalid option: expected one of "DATA_UPDATE"|"DATA_DELAY"|"SCHEMA_CHANGE"|"DEPRECATION"'],
    ['a 4,097-character comment', ['DATA_DELAY', '--comment', 'x'.repeat(4097)], '--comment: must be at most 4096 characters'],
    ['a time that is no ISO 8601', ['DATA_UPDATE', '--data-updated-at', 'yesterday'], '--data-updated-at: must be an ISO 8601 date or time'],
    ['a data update in the future', ['DATA_UPDATE', '--data-updated-at', '2099-01-01'], '--data-updated-at: must not be in the future'],
    ['a detail of another type', ['DATA_DELAY', '--data-updated-at', '2026-01-01'], '--data-updated-at: goes only with DATA_UPDATE, not DATA_DELAY'],
    ['a deprecation without its date', ['DEPRECATION'], '--deprecation-at: is required for DEPRECATION'],
    ['a deprecation in the past', ['DEPRECATION', '--deprecation-at', '2020-01-01'], '--deprecation-at: must be in the future'],
    ['a schema change without its date', ['SCHEMA_CHANGE', '--schema-change', 'region:ADD'], '--schema-change-at: is required for SCHEMA_CHANGE'],
    ['a schema change on a data update', ['DATA_UPDATE', '--schema-change', 'region:ADD'], '--schema-change: goes only with SCHEMA_CHANGE, not DATA_UPDATE'],
    ['a schema change of no known type', ['SCHEMA_CHANGE', '--schema-change-at', '2099-01-01', '--schema-change', 'region:RENAME'], '--schema-change[0]: "region:RENAME" needs ADD, REMOVE or MODIFY'],
    ['a schema change without a name', ['SCHEMA_CHANGE', '--schema-change-at', '2099-01-01', '--schema-change', ':ADD'], '--schema-change[0]: ":ADD" needs a NAME'],
  ])('refuses %s before any call, naming the flag', async (_, args, message) => {
    const result = await operate('notice', ...args);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });

  it('explains throttling that outlasted the retries in one sentence', async () => {
    dataExchange.on(SendDataSetNotificationCommand).rejects(awsError('ThrottlingException', 429));

    const result = await operate('notice', 'DATA_DELAY');

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^dx-flow: AWS is throttling these requests/);
  });
});
