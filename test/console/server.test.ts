import { request } from 'node:http';
import { type RunningConsole, startConsole } from '../../console/server';
import { declaredBody, endlessBody, post } from '../sandbox/raw-requests';

/** The status of a GET sent with this Host header, which fetch would not let a caller set. */
function statusWithHost(url: string, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { headers: { host } }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    sent.on('error', reject);
    sent.end();
  });
}

/*
 * What the console's server refuses before it calls any AWS API: a page of another origin open in the same
 * browser may send requests to 127.0.0.1, so a POST must be JSON and the host must be the loopback address; and
 * a body over 64 KiB, which no page of the console sends, is answered without reading it whole.
 */

describe('the console server', () => {
  let server: RunningConsole;

  beforeAll(async () => {
    // GIVEN a console for a sandbox that is not there: nothing here reaches it.
    const nowhere = 'http://127.0.0.1:9';
    server = await startConsole({
      sandbox: { endpoints: { s3: nowhere, dataexchange: nowhere, sns: nowhere, sfn: nowhere }, stateMachineArn: 'arn:aws:states:us-east-1:111111111111:stateMachine:publish', dataSets: { default: 'a'.repeat(32) } },
    });
  });
  afterAll(() => server.close());

  it('refuses a POST that is not JSON, as a form of another origin would send it', async () => {
    // WHEN
    const response = await fetch(`${server.url}api/stop`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"executionArn":"arn:x"}' });

    // THEN
    expect([response.status, await response.json()]).toEqual([415, { name: 'NotJson', message: 'A POST to the console must be application/json' }]);
  });

  /** A POST whose small body the server reads, and refuses for its missing ARN before it calls any AWS API. */
  const smallPost = () => fetch(`${server.url}api/stop`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  const tooLarge = { name: 'RequestTooLarge', message: 'A request to the console must have a body of at most 65536 bytes' };

  it('refuses a body declared over 64 KiB before it arrives, and still reads the next small one', async () => {
    // WHEN
    const answer = await post(`${server.url}api/stop`, { 'content-type': 'application/json' }, declaredBody(100 * 1024 * 1024));

    // THEN
    expect([answer.status, answer.headers.connection, JSON.parse(answer.body)]).toEqual([413, 'close', tooLarge]);
    expect((await smallPost()).status).toBe(400);
  });

  it('answers a body that never ends once it passes 64 KiB, and still reads the next small one', async () => {
    // WHEN
    const answer = await post(`${server.url}api/redrive`, { 'content-type': 'application/json' }, endlessBody);

    // THEN
    expect([answer.status, answer.headers.connection, JSON.parse(answer.body)]).toEqual([413, 'close', tooLarge]);
    expect((await smallPost()).status).toBe(400);
  });

  it('refuses a request for another host name, as DNS rebinding would send it', async () => {
    // WHEN
    const [foreign, loopback] = await Promise.all([statusWithHost(server.url, 'evil.example:80'), statusWithHost(server.url, 'localhost:80')]);

    // THEN
    expect([foreign, loopback]).toEqual([403, 200]);
  });

  it('serves the page, and says which request it does not know', async () => {
    // WHEN
    const [page, unknown] = await Promise.all([fetch(server.url), fetch(`${server.url}api/nothing`)]);

    // THEN
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect([unknown.status, await unknown.json()]).toEqual([404, { name: 'NotFound', message: 'No GET /api/nothing here' }]);
  });
});
