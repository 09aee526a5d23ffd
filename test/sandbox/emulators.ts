import { DataExchangeClient } from '@aws-sdk/client-dataexchange';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PROVIDER_ACCOUNT, SANDBOX_REGION } from '../../sandbox/accounts';
import { startDataExchangeEmulator } from '../../sandbox/dataexchange/server';
import { FaultInjector } from '../../sandbox/faults';
import { startSns } from '../../sandbox/sns/server';
import { ExecutionStore } from '../../sandbox/stepfunctions/executions';
import { startStepFunctions } from '../../sandbox/stepfunctions/server';
import type { TaskHandlers } from '../../workflows/local-runner';

/*
 * The sandbox's JSON and Query emulators on their own, quick to start: Step Functions running a one-state
 * machine, Data Exchange with an S3 it never reaches, and SNS; each with a client signed as the provider.
 */

export const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:echo';

const clientOptions = (endpoint: string) => ({
  endpoint,
  region: SANDBOX_REGION,
  credentials: { accessKeyId: PROVIDER_ACCOUNT.accessKeyId, secretAccessKey: PROVIDER_ACCOUNT.secretAccessKey },
  maxAttempts: 1,
});

export async function startEmulators() {
  const directory = mkdtempSync(path.join(tmpdir(), 'dx-flow-emulators-'));
  const faults = new FaultInjector();
  const store = new ExecutionStore({
    directory: path.join(directory, 'executions'),
    stateMachines: [
      {
        name: 'echo',
        arn: STATE_MACHINE_ARN,
        roleArn: 'arn:aws:iam::000000000000:role/echo',
        region: SANDBOX_REGION,
        asl: { definition: { StartAt: 'Echo', States: { Echo: { Type: 'Pass', End: true } } }, stateMachineLogicalId: 'Echo', stateMachineName: 'echo', taskOfState: {}, startsStateMachines: [] },
        creationDate: Date.now(),
      },
    ],
    handlers: {} as TaskHandlers,
    waitMsPerSecond: 0,
    retryMs: 0,
  });
  const sfnServer = await startStepFunctions(store);
  const unusedS3 = new S3Client(clientOptions('http://127.0.0.1:9'));
  const dataExchangeServer = await startDataExchangeEmulator({
    stateFile: path.join(directory, 'dataexchange.json'),
    assetDir: path.join(directory, 'assets'),
    faults,
    s3: unusedS3,
  });
  const snsServer = await startSns({ stateFile: path.join(directory, 'sns.json'), faults });
  const clients = {
    sfn: new SFNClient(clientOptions(sfnServer.endpoint)),
    dataExchange: new DataExchangeClient(clientOptions(dataExchangeServer.endpoint)),
    sns: new SNSClient(clientOptions(snsServer.endpoint)),
  };
  return {
    store,
    faults,
    ...clients,
    endpoints: { sfn: sfnServer.endpoint, dataExchange: dataExchangeServer.endpoint, sns: snsServer.endpoint },
    async close() {
      for (const client of [...Object.values(clients), unusedS3]) client.destroy();
      await Promise.all([sfnServer.close(), dataExchangeServer.close(), snsServer.close()]);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
