import {
  ConflictException,
  DataExchangeClient,
  GetRevisionCommand,
  ListRevisionAssetsCommand,
  UpdateRevisionCommand,
} from '@aws-sdk/client-dataexchange';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../tasks/finalize-revision/handler';
import { assetNamed } from '../fixtures/adx';
import { awsError, DATA_SET_ID, REVISION_ID } from '../fixtures/ids';

const dataExchange = mockClient(DataExchangeClient);

const input = () => ({ datasetId: DATA_SET_ID, revisionId: REVISION_ID, expectedAssetCount: 3 });
const assets = (n: number, from = 0) => Array.from({ length: n }, (_, i) => assetNamed(`a${from + i}.csv`));
const REVISION = `revision ${REVISION_ID} of data set ${DATA_SET_ID}`;

describe('finalize-revision', () => {
  beforeEach(() => {
    dataExchange.reset();
    dataExchange.on(GetRevisionCommand).resolves({ Id: REVISION_ID, Finalized: false });
    dataExchange.on(UpdateRevisionCommand).resolves({ Id: REVISION_ID, Finalized: true });
  });

  it('finalizes a revision that holds every planned asset, counting across pages', async () => {
    dataExchange
      .on(ListRevisionAssetsCommand)
      .resolvesOnce({ Assets: assets(2), NextToken: 'page2' })
      .resolvesOnce({ Assets: assets(1, 2) });

    const output = await handler(input());

    expect(output).toEqual({ revisionId: REVISION_ID, finalized: true, assetCount: 3 });
    expect(dataExchange).toHaveReceivedCommandWith(UpdateRevisionCommand, {
      DataSetId: DATA_SET_ID,
      RevisionId: REVISION_ID,
      Finalized: true,
    });
  });

  it('reports an already-finalized revision without updating it again', async () => {
    dataExchange.on(ListRevisionAssetsCommand).resolves({ Assets: assets(3) });
    dataExchange.on(GetRevisionCommand).resolves({ Id: REVISION_ID, Finalized: true });

    await expect(handler(input())).resolves.toMatchObject({ finalized: true, assetCount: 3 });
    expect(dataExchange).not.toHaveReceivedCommand(UpdateRevisionCommand);
  });

  describe('when UpdateRevision answers ConflictException', () => {
    beforeEach(() => {
      dataExchange.on(ListRevisionAssetsCommand).resolves({ Assets: assets(3) });
      dataExchange.on(UpdateRevisionCommand).rejects(
        new ConflictException({ message: 'revision is finalized', Message: 'revision is finalized', ResourceId: REVISION_ID, ResourceType: 'REVISION', $metadata: {} }),
      );
    });

    it('reports the revision finalized when someone else finalized it since it was read', async () => {
      dataExchange
        .on(GetRevisionCommand)
        .resolvesOnce({ Id: REVISION_ID, Finalized: false })
        .resolvesOnce({ Id: REVISION_ID, Finalized: true });

      await expect(handler(input())).resolves.toEqual({ revisionId: REVISION_ID, finalized: true, assetCount: 3 });
      expect(dataExchange).toHaveReceivedCommandTimes(GetRevisionCommand, 2);
    });

    it('fails with the ConflictException, naming UpdateRevision and the revision, when it is still unfinalized', async () => {
      await expect(handler(input())).rejects.toMatchObject({
        name: 'ConflictException',
        message: expect.stringContaining(`dataexchange:UpdateRevision on ${REVISION} failed with ConflictException`),
      });
      expect(dataExchange).toHaveReceivedCommandTimes(GetRevisionCommand, 2);
    });

    it('names GetRevision, not UpdateRevision, when reading the revision back is denied', async () => {
      dataExchange
        .on(GetRevisionCommand)
        .resolvesOnce({ Id: REVISION_ID, Finalized: false })
        .rejectsOnce(awsError('AccessDeniedException', 403));

      await expect(handler(input())).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining(`allows dataexchange:GetRevision on ${REVISION}`),
      });
    });
  });

  it('does not read the revision back after another failure of UpdateRevision', async () => {
    dataExchange.on(ListRevisionAssetsCommand).resolves({ Assets: assets(3) });
    dataExchange.on(UpdateRevisionCommand).rejects(awsError('ValidationException', 400));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining(`dataexchange:UpdateRevision on ${REVISION} failed with ValidationException`),
    });
    expect(dataExchange).toHaveReceivedCommandTimes(GetRevisionCommand, 1);
  });

  it('refuses to finalize an empty revision', async () => {
    dataExchange.on(ListRevisionAssetsCommand).resolves({ Assets: [] });

    await expect(handler(input())).rejects.toMatchObject({ name: 'RevisionStateError', message: expect.stringContaining('no assets') });
    expect(dataExchange).not.toHaveReceivedCommand(UpdateRevisionCommand);
  });

  it('refuses to finalize a revision with the wrong asset count', async () => {
    dataExchange.on(ListRevisionAssetsCommand).resolves({ Assets: assets(2) });

    await expect(handler(input())).rejects.toMatchObject({
      name: 'RevisionStateError',
      message: expect.stringContaining('holds 2 assets but the plan has 3'),
    });
    expect(dataExchange).not.toHaveReceivedCommand(UpdateRevisionCommand);
  });

  it('says which revision is empty and why it stays unfinalized', async () => {
    dataExchange.on(ListRevisionAssetsCommand).resolves({});

    await expect(handler(input())).rejects.toMatchObject({
      name: 'RevisionStateError',
      message: `${REVISION} holds no assets; an empty revision cannot be finalized`,
    });
  });

  it('says how many assets the revision holds against the plan, and that it was left unfinalized', async () => {
    dataExchange.on(ListRevisionAssetsCommand).resolves({ Assets: assets(4) });

    await expect(handler(input())).rejects.toMatchObject({
      name: 'RevisionStateError',
      message: `${REVISION} holds 4 assets but the plan has 3; it was left unfinalized`,
    });
    expect(dataExchange).not.toHaveReceivedCommand(UpdateRevisionCommand);
  });

  it('counts the assets 100 a page, a page without assets counting none', async () => {
    dataExchange
      .on(ListRevisionAssetsCommand)
      .resolvesOnce({ Assets: assets(3), NextToken: 'page2' })
      .resolvesOnce({ NextToken: 'page3' })
      .resolvesOnce({ Assets: [] });

    await expect(handler(input())).resolves.toMatchObject({ assetCount: 3 });
    expect(dataExchange).toHaveReceivedCommandTimes(ListRevisionAssetsCommand, 3);
    expect(dataExchange).toHaveReceivedCommandWith(ListRevisionAssetsCommand, { DataSetId: DATA_SET_ID, RevisionId: REVISION_ID, MaxResults: 100 });
  });

  it('reads the revision by its data set and id before finalizing it', async () => {
    dataExchange.on(ListRevisionAssetsCommand).resolves({ Assets: assets(3) });

    await handler(input());

    expect(dataExchange).toHaveReceivedCommandWith(GetRevisionCommand, { DataSetId: DATA_SET_ID, RevisionId: REVISION_ID });
  });

  it('names ListRevisionAssets and the revision when counting its assets is denied', async () => {
    dataExchange.on(ListRevisionAssetsCommand).rejects(awsError('AccessDeniedException', 403));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(`Check that the task's role allows dataexchange:ListRevisionAssets on ${REVISION}.`),
    });
  });

  it('names GetRevision and the revision when the first read is denied, and finalizes nothing', async () => {
    dataExchange.on(ListRevisionAssetsCommand).resolves({ Assets: assets(3) });
    dataExchange.on(GetRevisionCommand).rejects(awsError('AccessDeniedException', 403));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(`allows dataexchange:GetRevision on ${REVISION}`),
    });
    expect(dataExchange).not.toHaveReceivedCommand(UpdateRevisionCommand);
  });

  it('maps throttling to TransientAwsError', async () => {
    dataExchange.on(ListRevisionAssetsCommand).rejects(awsError('ThrottlingException', 429));

    await expect(handler(input())).rejects.toMatchObject({ name: 'TransientAwsError' });
  });

  it('keeps AccessDeniedException fatal and names the permission and the revision', async () => {
    dataExchange.on(ListRevisionAssetsCommand).resolves({ Assets: assets(3) });
    dataExchange.on(UpdateRevisionCommand).rejects(awsError('AccessDeniedException', 403));

    await expect(handler(input())).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(`allows dataexchange:UpdateRevision on ${REVISION}`),
    });
  });

  it('rejects a bad payload naming the field', async () => {
    await expect(handler({ ...input(), revisionId: 'nope' })).rejects.toMatchObject({
      name: 'InputValidationError',
      message: expect.stringContaining('revisionId'),
    });
    expect(dataExchange).not.toHaveReceivedAnyCommand();
  });
});
