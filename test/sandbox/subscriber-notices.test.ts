import { AcceptDataGrantCommand, DataExchangeClient, ListReceivedDataGrantsCommand } from '@aws-sdk/client-dataexchange';
import { RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import { SUBSCRIBER_ACCOUNT, SANDBOX_REGION } from '../../sandbox/accounts';
import { CLIENT_TOKEN_WINDOW_MS } from '../../sandbox/dataexchange/store/notifications';
import { FaultPlan } from '../../sandbox/faults';
import { NOTICE_EVENT_TYPES, type NoticeType } from '../../shared/schemas/exchange-event';
import { outcomeOf, run, useSandbox } from './outcome';

/*
 * With `notifySubscribers` on, a published run tells the receivers of the data set's accepted grants, once, and so
 * does a scheduled run that fails: the sandbox's Data Exchange delivers SendDataSetNotification as an event to each
 * of them (deliveredEvents), and a re-run or redrive finds the notice's record and sends none.
 */

const oneAsset = { type: 'generate', assets: 1, recordsPerAsset: 1 };
const SCHEDULED_RUN = 'scheduled-20261130T0600Z';

describe('subscriber notices from the workflow', () => {
  const ctx = useSandbox({ notifySubscribers: true });
  const subscriberAccountIds = [SUBSCRIBER_ACCOUNT.accountId];
  afterEach(() => {
    ctx.env.sandbox.faults.clear();
    jest.restoreAllMocks();
  });

  // A first run creates the grant, which the subscriber accepts: only accepted receivers hear of notices.
  beforeAll(async () => {
    await run(ctx.env.sandbox, ctx.env.sfn, ctx.clients, { runId: 'notice-grant', source: oneAsset, subscriberAccountIds });
    const subscriber = new DataExchangeClient({
      endpoint: ctx.env.sandbox.endpoints.dataexchange,
      region: SANDBOX_REGION,
      credentials: { accessKeyId: SUBSCRIBER_ACCOUNT.accessKeyId, secretAccessKey: SUBSCRIBER_ACCOUNT.secretAccessKey },
      maxAttempts: 1,
    });
    const received = await subscriber.send(new ListReceivedDataGrantsCommand({}));
    for (const grant of received.DataGrantSummaries ?? []) await subscriber.send(new AcceptDataGrantCommand({ DataGrantArn: grant.Arn }));
    subscriber.destroy();
  });

  /** The subscriber's events of one notice type so far. */
  const delivered = (type: NoticeType) =>
    ctx.env.sandbox.exchangeEvents(SUBSCRIBER_ACCOUNT.accountId).filter(
      (event) => (event as { 'detail-type'?: string })['detail-type'] === NOTICE_EVENT_TYPES[type],
    ).length;

  /** From now on, later than the emulator's ClientToken window, as a re-run the next day is: only the workflow's record stops a resend. */
  function pastTheTokenWindow(): void {
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + CLIENT_TOKEN_WINDOW_MS + 1_000);
  }

  it('a publish shared with an accepted receiver sends it one DATA_UPDATE notice, and a re-run of the runId none', async () => {
    // Arrange
    const before = delivered('DATA_UPDATE');

    // Act
    const published = await run(ctx.env.sandbox, ctx.env.sfn, ctx.clients, { runId: 'notice-run', source: oneAsset, subscriberAccountIds });
    const afterPublish = delivered('DATA_UPDATE');
    pastTheTokenWindow();
    const rerun = await run(ctx.env.sandbox, ctx.env.sfn, ctx.clients, { runId: 'notice-run', source: oneAsset, subscriberAccountIds });

    // Assert
    expect([published.status, rerun.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(afterPublish - before).toBe(1);
    expect(delivered('DATA_UPDATE')).toBe(afterPublish);
  });

  it('a scheduled run that fails sends one DATA_DELAY notice, and its redrive that fails again none', async () => {
    // Arrange
    ctx.env.sandbox.faults.add(FaultPlan.parse([{ importJob: 'ERROR' }]));
    const before = delivered('DATA_DELAY');

    // Act
    const [executionArn] = await ctx.env.sandbox.fireSchedule(new Date('2026-11-30T06:00:00Z'));
    const failed = await outcomeOf(ctx.env.sandbox, ctx.env.sfn, ctx.clients, executionArn, SCHEDULED_RUN);
    const afterFailure = delivered('DATA_DELAY');
    pastTheTokenWindow();
    await ctx.env.sfn.send(new RedriveExecutionCommand({ executionArn }));
    const again = await outcomeOf(ctx.env.sandbox, ctx.env.sfn, ctx.clients, executionArn, SCHEDULED_RUN);

    // Assert
    expect([failed.status, again.status]).toEqual(['FAILED', 'FAILED']);
    expect(afterFailure - before).toBe(1);
    expect(delivered('DATA_DELAY')).toBe(afterFailure);
    // The provider's own topic still hears of each attempt.
    expect(again.notifications).toHaveLength(2);
  });
});
