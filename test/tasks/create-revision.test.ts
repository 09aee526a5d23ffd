import { CreateRevisionCommand, DataExchangeClient, ListDataSetRevisionsCommand } from '@aws-sdk/client-dataexchange';
import { mockClient } from 'aws-sdk-client-mock';
import { MAX_REVISION_COMMENT_LENGTH } from '../../shared/limits';
import { isRunComment, revisionComment } from '../../tasks/create-revision/core';
import { handler } from '../../tasks/create-revision/handler';
import { awsError, DATA_SET_ID, OTHER_REVISION_ID, REVISION_ID, RUN_ID } from '../fixtures/ids';

const dataExchange = mockClient(DataExchangeClient);

const NEW_REVISION_ID = '99998888777766665555444433332222';
const arn = (id: string) => `arn:aws:dataexchange:us-east-1:123456789012:data-sets/${DATA_SET_ID}/revisions/${id}`;
const input = () => ({ runId: RUN_ID, datasetId: DATA_SET_ID });
const revision = (id: string, comment: string | undefined, extra: Record<string, unknown> = {}) => ({
  Id: id,
  Arn: arn(id),
  Comment: comment,
  DataSetId: DATA_SET_ID,
  CreatedAt: new Date('2026-11-30T00:00:00Z'),
  UpdatedAt: new Date('2026-11-30T00:00:00Z'),
  Finalized: false,
  ...extra,
});

describe('create-revision', () => {
  beforeEach(() => {
    dataExchange.reset();
    dataExchange.on(ListDataSetRevisionsCommand).resolves({ Revisions: [] });
    dataExchange.on(CreateRevisionCommand).resolves({ Id: NEW_REVISION_ID, Arn: arn(NEW_REVISION_ID) });
  });

  it('creates a revision marked and tagged with the runId and part 1 when the data set has none for it', async () => {
    const output = await handler(input());

    expect(output).toEqual({ revisionId: NEW_REVISION_ID, revisionArn: arn(NEW_REVISION_ID), created: true, alreadyFinalized: false });
    expect(dataExchange).toHaveReceivedCommandWith(CreateRevisionCommand, {
      DataSetId: DATA_SET_ID,
      Comment: `dx-flow run ${RUN_ID}`,
      Tags: { 'dx-flow:run-id': RUN_ID, 'dx-flow:part': '1' },
    });
  });

  describe('parts', () => {
    it("marks and tags a later part's revision with its part, counted from 1", async () => {
      await handler({ ...input(), part: 1, comment: 'November close' });

      expect(dataExchange).toHaveReceivedCommandWith(CreateRevisionCommand, {
        DataSetId: DATA_SET_ID,
        Comment: `dx-flow run ${RUN_ID} part 2: November close`,
        Tags: { 'dx-flow:run-id': RUN_ID, 'dx-flow:part': '2' },
      });
    });

    it("does not take a later part's finalized revision for part 0's", async () => {
      dataExchange.on(ListDataSetRevisionsCommand).resolves({
        Revisions: [revision(REVISION_ID, `dx-flow run ${RUN_ID} part 2: November close`, { Finalized: true })],
      });

      await expect(handler({ ...input(), comment: 'November close' })).resolves.toMatchObject({ revisionId: NEW_REVISION_ID, created: true });
    });

    it("does not take part 0's finalized revision for a later part's", async () => {
      dataExchange.on(ListDataSetRevisionsCommand).resolves({
        Revisions: [revision(REVISION_ID, `dx-flow run ${RUN_ID}: November close`, { Finalized: true })],
      });

      await expect(handler({ ...input(), part: 1, comment: 'November close' })).resolves.toMatchObject({
        revisionId: NEW_REVISION_ID,
        created: true,
        alreadyFinalized: false,
      });
    });

    it("reuses its own part's revision among the run's others", async () => {
      dataExchange.on(ListDataSetRevisionsCommand).resolves({
        Revisions: [
          revision(OTHER_REVISION_ID, `dx-flow run ${RUN_ID}`, { Finalized: true }),
          revision(REVISION_ID, `dx-flow run ${RUN_ID} part 2`),
          revision(NEW_REVISION_ID, `dx-flow run ${RUN_ID} part 3`),
        ],
      });

      await expect(handler({ ...input(), part: 1 })).resolves.toEqual({
        revisionId: REVISION_ID,
        revisionArn: arn(REVISION_ID),
        created: false,
        alreadyFinalized: false,
      });
      expect(dataExchange).not.toHaveReceivedCommand(CreateRevisionCommand);
    });

    it.each([
      [`dx-flow run ${RUN_ID}`, 0, true],
      [`dx-flow run ${RUN_ID}: part 2`, 0, true],
      [`dx-flow run ${RUN_ID} part 2`, 0, false],
      [`dx-flow run ${RUN_ID} part 2`, 1, true],
      [`dx-flow run ${RUN_ID} part 2: x`, 1, true],
      [`dx-flow run ${RUN_ID} part 21`, 1, false],
      [`dx-flow run ${RUN_ID}`, 1, false],
      [undefined, 0, false],
    ])('reads %j as the marker of part %i: %s', (comment, part, expected) => {
      expect(isRunComment(comment, RUN_ID, part)).toBe(expected);
    });
  });

  it('writes the marker alone for the empty comment the state machine passes when there is none', async () => {
    await handler({ ...input(), comment: '' });

    expect(dataExchange).toHaveReceivedCommandWith(CreateRevisionCommand, { Comment: `dx-flow run ${RUN_ID}` });
  });

  it('puts the user comment after the marker', async () => {
    await handler({ ...input(), comment: 'November close' });

    expect(dataExchange).toHaveReceivedCommandWith(CreateRevisionCommand, { Comment: `dx-flow run ${RUN_ID}: November close` });
  });

  it('cuts a long comment so that marker and comment fit the ADX limit', async () => {
    await handler({ ...input(), comment: 'x'.repeat(MAX_REVISION_COMMENT_LENGTH) });

    const sent = dataExchange.commandCalls(CreateRevisionCommand)[0].args[0].input.Comment ?? '';
    expect(sent).toHaveLength(MAX_REVISION_COMMENT_LENGTH);
    expect(sent.startsWith(`dx-flow run ${RUN_ID}: xxx`)).toBe(true);
  });

  it('never cuts a comment between the halves of a surrogate pair', () => {
    const marker = `dx-flow run ${RUN_ID}: `;
    const comment = revisionComment(RUN_ID, `${'x'.repeat(MAX_REVISION_COMMENT_LENGTH - marker.length - 1)}😀`);

    expect(comment).toHaveLength(MAX_REVISION_COMMENT_LENGTH - 1);
    expect(comment.endsWith('x')).toBe(true);
  });

  it('keeps an emoji that is not at the cut, and a comment that fits exactly, whole', () => {
    const marker = `dx-flow run ${RUN_ID}: `;
    const early = `😀${'x'.repeat(MAX_REVISION_COMMENT_LENGTH)}`;
    const exact = `${'x'.repeat(MAX_REVISION_COMMENT_LENGTH - marker.length - 2)}😀`;

    expect(revisionComment(RUN_ID, early)).toBe(`${marker}${early}`.slice(0, MAX_REVISION_COMMENT_LENGTH));
    expect(revisionComment(RUN_ID, exact)).toBe(`${marker}${exact}`);
    expect(revisionComment(RUN_ID, exact)).toHaveLength(MAX_REVISION_COMMENT_LENGTH);
  });

  it.each([{ Arn: arn(NEW_REVISION_ID) }, { Id: NEW_REVISION_ID }])('fails naming the data set when CreateRevision answers %j, without an Id or Arn', async (answer) => {
    dataExchange.on(CreateRevisionCommand).resolves(answer);

    await expect(handler(input())).rejects.toThrow(`Data Exchange described a revision of data set ${DATA_SET_ID} without an Id or Arn`);
  });

  it('fails naming the data set when ListDataSetRevisions lists this run\'s revision without an Arn', async () => {
    dataExchange.on(ListDataSetRevisionsCommand).resolves({ Revisions: [{ ...revision(REVISION_ID, `dx-flow run ${RUN_ID}`), Arn: undefined }] });

    await expect(handler(input())).rejects.toThrow(`Data Exchange described a revision of data set ${DATA_SET_ID} without an Id or Arn`);
    expect(dataExchange).not.toHaveReceivedCommand(CreateRevisionCommand);
  });

  it('does not take the revision of a runId that merely starts with this one', async () => {
    dataExchange.on(ListDataSetRevisionsCommand).resolves({
      Revisions: [
        revision(OTHER_REVISION_ID, `dx-flow run ${RUN_ID}-b`, { Finalized: true }),
        revision(REVISION_ID, `dx-flow run ${RUN_ID}2: later`),
      ],
    });

    await expect(handler(input())).resolves.toMatchObject({ revisionId: NEW_REVISION_ID, created: true });
  });

  it('reuses an unfinalized revision of this runId found on a later page', async () => {
    dataExchange
      .on(ListDataSetRevisionsCommand)
      .resolvesOnce({ Revisions: [revision(OTHER_REVISION_ID, 'dx-flow run other-run')], NextToken: 'page2' })
      .resolvesOnce({ Revisions: [revision(REVISION_ID, `dx-flow run ${RUN_ID}: November close`)] });

    const output = await handler({ ...input(), comment: 'November close' });

    expect(output).toEqual({ revisionId: REVISION_ID, revisionArn: arn(REVISION_ID), created: false, alreadyFinalized: false });
    expect(dataExchange).toHaveReceivedCommandWith(ListDataSetRevisionsCommand, { DataSetId: DATA_SET_ID, NextToken: 'page2' });
    expect(dataExchange).not.toHaveReceivedCommand(CreateRevisionCommand);
  });

  it('reports an already-finalized revision of this runId, even after an unfinalized one', async () => {
    dataExchange.on(ListDataSetRevisionsCommand).resolves({
      Revisions: [revision(OTHER_REVISION_ID, `dx-flow run ${RUN_ID}`), revision(REVISION_ID, `dx-flow run ${RUN_ID}`, { Finalized: true })],
    });

    const output = await handler(input());

    expect(output).toEqual({ revisionId: REVISION_ID, revisionArn: arn(REVISION_ID), created: false, alreadyFinalized: true });
    expect(dataExchange).not.toHaveReceivedCommand(CreateRevisionCommand);
  });

  describe('two executions of one runId', () => {
    const at = (iso: string) => ({ CreatedAt: new Date(iso) });
    /** The data set holds no revision of the run until CreateRevision; then `newer` and `older` carry its marker. */
    const listsAfterCreate = (newer: string, older: string) =>
      dataExchange
        .on(ListDataSetRevisionsCommand)
        .resolvesOnce({ Revisions: [] })
        .resolvesOnce({
          Revisions: [revision(newer, `dx-flow run ${RUN_ID}`, at('2026-11-30T00:00:01Z')), revision(older, `dx-flow run ${RUN_ID}`, at('2026-11-30T00:00:00Z'))],
        });

    it('reuses the oldest of two unfinalized revisions of this runId, which ADX lists last', async () => {
      dataExchange.on(ListDataSetRevisionsCommand).resolves({
        Revisions: [
          revision(OTHER_REVISION_ID, `dx-flow run ${RUN_ID}`, at('2026-11-30T00:00:01Z')),
          revision(REVISION_ID, `dx-flow run ${RUN_ID}`, at('2026-11-30T00:00:00Z')),
        ],
      });

      await expect(handler(input())).resolves.toEqual({ revisionId: REVISION_ID, revisionArn: arn(REVISION_ID), created: false, alreadyFinalized: false });
      expect(dataExchange).not.toHaveReceivedCommand(CreateRevisionCommand);
    });

    it.each([
      ['the lower id first', [OTHER_REVISION_ID, REVISION_ID]],
      ['the lower id last', [REVISION_ID, OTHER_REVISION_ID]],
    ])('of two created in the same millisecond, reuses the lower id whatever the order (%s)', async (_, ids) => {
      dataExchange.on(ListDataSetRevisionsCommand).resolves({ Revisions: ids.map((id) => revision(id, `dx-flow run ${RUN_ID}`)) });

      await expect(handler(input())).resolves.toMatchObject({ revisionId: OTHER_REVISION_ID, created: false });
    });

    it('goes on with the older revision another execution created meanwhile, leaving its own empty', async () => {
      listsAfterCreate(NEW_REVISION_ID, REVISION_ID);

      await expect(handler(input())).resolves.toEqual({ revisionId: REVISION_ID, revisionArn: arn(REVISION_ID), created: false, alreadyFinalized: false });
      expect(dataExchange).toHaveReceivedCommandTimes(CreateRevisionCommand, 1);
      expect(dataExchange).toHaveReceivedCommandTimes(ListDataSetRevisionsCommand, 2);
    });

    it('keeps its own revision when it is the older of the two', async () => {
      listsAfterCreate(REVISION_ID, NEW_REVISION_ID);

      await expect(handler(input())).resolves.toEqual({
        revisionId: NEW_REVISION_ID,
        revisionArn: arn(NEW_REVISION_ID),
        created: true,
        alreadyFinalized: false,
      });
    });
  });

  it('ignores a revoked revision of this runId and creates a new one', async () => {
    dataExchange.on(ListDataSetRevisionsCommand).resolves({
      Revisions: [revision(REVISION_ID, `dx-flow run ${RUN_ID}`, { Finalized: true, Revoked: true })],
    });

    await expect(handler(input())).resolves.toMatchObject({ revisionId: NEW_REVISION_ID, created: true, alreadyFinalized: false });
  });

  it('keeps ResourceNotFoundException fatal and names the action and the data set', async () => {
    dataExchange.on(ListDataSetRevisionsCommand).rejects(awsError('ResourceNotFoundException', 404));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: expect.stringContaining(`dataexchange:ListDataSetRevisions found no data set ${DATA_SET_ID}`),
    });
    expect(dataExchange).not.toHaveReceivedCommand(CreateRevisionCommand);
  });

  it('keeps AccessDeniedException on CreateRevision fatal and names the permission and the data set', async () => {
    dataExchange.on(CreateRevisionCommand).rejects(awsError('AccessDeniedException', 403));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(`allows dataexchange:CreateRevision on data set ${DATA_SET_ID}`),
    });
  });

  it('maps throttling to TransientAwsError', async () => {
    dataExchange.on(CreateRevisionCommand).rejects(awsError('ThrottlingException', 429));

    await expect(handler(input())).rejects.toMatchObject({ name: 'TransientAwsError' });
  });

  it('maps an InternalServerException while listing to TransientAwsError', async () => {
    dataExchange.on(ListDataSetRevisionsCommand).rejects(awsError('InternalServerException', 500));

    await expect(handler(input())).rejects.toMatchObject({ name: 'TransientAwsError' });
  });

  it('rejects a bad payload naming the field', async () => {
    await expect(handler({ ...input(), runId: 'no spaces allowed' })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('runId'),
    });
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });
});
