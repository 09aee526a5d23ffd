import type { NotifySuccessInput } from '../../shared/schemas/payloads';
import { successNotification } from '../../tasks/notify/message';
import { ACCOUNT_A, ACCOUNT_B, DATA_SET_ID, OTHER_REVISION_ID, REVISION_ID, RUN_ID } from '../fixtures/ids';

/* The success notification's text, line by line: what a subscriber of the topic reads and a filter policy keys on. */

const STARTED = '2026-11-30T06:00:00.000Z';
const NOW = new Date('2026-11-30T07:02:05Z');
const EXECUTION = `${RUN_ID}-20261130T060000Z`;
const FIRST_PART = '0000aaaa1111bbbb2222cccc3333dddd';

const success = (overrides: Partial<NotifySuccessInput> = {}): NotifySuccessInput => ({
  outcome: 'SUCCEEDED',
  executionName: EXECUTION,
  executionStartTime: STARTED,
  runId: RUN_ID,
  datasetId: DATA_SET_ID,
  revisionId: REVISION_ID,
  earlierRevisionIds: [],
  assetCount: 3,
  totalBytes: 1_572_864,
  alreadyPublished: false,
  dataGrants: [],
  ...overrides,
});

/** The aligned fields block, with the revision line as the run has it. */
const fields = (revisionLine: string) =>
  [
    `Run:       ${RUN_ID}`,
    `Execution: ${EXECUTION}`,
    `Data set:  ${DATA_SET_ID}`,
    revisionLine,
    'Assets:    3',
    'Bytes:     1,572,864 bytes (1.5 MiB)',
    `Started:   ${STARTED}`,
    'Duration:  1 h 2 min 5 s',
  ].join('\n');

describe('successNotification', () => {
  it('announces one revision: subject, headline, every field, and the grants one line each', () => {
    // Arrange
    const input = success({
      dataGrants: [
        { receiver: ACCOUNT_A, id: 'grant-a', status: 'created', acceptance: 'PENDING_RECEIVER_ACCEPTANCE' },
        { receiver: ACCOUNT_B, id: 'grant-b', status: 'existing', acceptance: 'ACCEPTED' },
      ],
    });

    // Act
    const notification = successNotification(input, NOW);

    // Assert
    expect(notification).toEqual({
      subject: `dx-flow: published revision ${REVISION_ID} (3 assets)`,
      message: [
        `dx-flow published a revision of data set ${DATA_SET_ID}.`,
        fields(`Revision:  ${REVISION_ID}`),
        [
          'Data grants:',
          `  - account ${ACCOUNT_A}: grant grant-a, created, PENDING_RECEIVER_ACCEPTANCE`,
          `  - account ${ACCOUNT_B}: grant grant-b, existing, ACCEPTED`,
        ].join('\n'),
      ].join('\n\n'),
      attributes: { outcome: 'SUCCEEDED', runId: RUN_ID, datasetId: DATA_SET_ID },
    });
  });

  it('says "Data grants: none" when the data set is shared with no one', () => {
    const { message } = successNotification(success(), NOW);

    expect(message.endsWith('\n\nData grants: none')).toBe(true);
  });

  it('announces a run of several parts as its revisions, named in order', () => {
    const notification = successNotification(success({ earlierRevisionIds: [FIRST_PART, OTHER_REVISION_ID], assetCount: 3 }), NOW);

    expect(notification.subject).toBe('dx-flow: published 3 revisions (3 assets)');
    expect(notification.message).toBe(
      [
        `dx-flow published run ${RUN_ID} as 3 revisions of data set ${DATA_SET_ID}, in order.`,
        fields(`Revisions: ${FIRST_PART}, ${OTHER_REVISION_ID}, ${REVISION_ID}`),
        'Data grants: none',
      ].join('\n\n'),
    );
  });

  it('says that a run of one revision had already been published, and that nothing new went out', () => {
    const notification = successNotification(success({ alreadyPublished: true }), NOW);

    expect(notification.subject).toBe(`dx-flow: ${RUN_ID} already published`);
    expect(notification.message.split('\n\n')[0]).toBe(`dx-flow run ${RUN_ID} had already been published; nothing new went out.`);
  });

  it('says that a run of several parts had already been published, as how many revisions', () => {
    const notification = successNotification(success({ alreadyPublished: true, earlierRevisionIds: [OTHER_REVISION_ID] }), NOW);

    expect(notification.subject).toBe(`dx-flow: ${RUN_ID} already published as 2 revisions`);
    expect(notification.message.split('\n\n')[0]).toBe(`dx-flow run ${RUN_ID} had already been published as 2 revisions; nothing new went out.`);
  });
});
