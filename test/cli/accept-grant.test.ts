import { AcceptDataGrantCommand, DataExchangeClient, GetReceivedDataGrantCommand } from '@aws-sdk/client-dataexchange';
import { mockClient } from 'aws-sdk-client-mock';
import { main } from '../../cli/main';
import { awsError, DATA_SET_ID } from '../fixtures/ids';

const dataExchange = mockClient(DataExchangeClient);
const GRANT_ARN = 'arn:aws:dataexchange:eu-west-1:111122223333:data-grants/0123456789abcdef0123456789abcdef';

async function acceptGrant(...extra: string[]) {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    const code = await main(['accept-grant', GRANT_ARN, ...extra]);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('dx-flow accept-grant on AWS', () => {
  beforeEach(() => dataExchange.reset());

  it('accepts a pending grant and names the entitled data set', async () => {
    dataExchange.on(GetReceivedDataGrantCommand).resolves({ AcceptanceState: 'PENDING_RECEIVER_ACCEPTANCE' });
    dataExchange.on(AcceptDataGrantCommand).resolves({ AcceptanceState: 'ACCEPTED', DataSetId: DATA_SET_ID });

    const result = await acceptGrant('--json');

    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout.trim())).toEqual({ dataGrantArn: GRANT_ARN, dataSetId: DATA_SET_ID, acceptance: 'accepted' });
    expect(dataExchange).toHaveReceivedCommandWith(AcceptDataGrantCommand, { DataGrantArn: GRANT_ARN });
  });

  it('does not accept twice', async () => {
    dataExchange.on(GetReceivedDataGrantCommand).resolves({ AcceptanceState: 'ACCEPTED', DataSetId: DATA_SET_ID });

    const result = await acceptGrant();

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('already accepted');
    expect(dataExchange).not.toHaveReceivedCommand(AcceptDataGrantCommand);
  });

  it('explains a grant the caller does not receive in one sentence, exit 2', async () => {
    dataExchange.on(GetReceivedDataGrantCommand).rejects(awsError('AccessDeniedException', 403));

    const result = await acceptGrant();

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^dx-flow: AWS denied the request/);
  });

  it('explains a grant that does not exist in one sentence, exit 2', async () => {
    dataExchange.on(GetReceivedDataGrantCommand).rejects(awsError('ResourceNotFoundException', 404));

    const result = await acceptGrant();

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^dx-flow: AWS found no such resource/);
  });
});
