import { App, Stack } from 'aws-cdk-lib';
import { DataExchangePublisher, DataExchangeSubscriber } from '../../../infra';

const app = new App();
const products = new Stack(app, 'DataProducts');
new DataExchangePublisher(products, 'Publisher', {
  dataSets: [{ name: 'prices', subscriberAccountIds: ['111122223333'] }],
  mapMaxConcurrency: 5,
});
const received = new Stack(app, 'ReceivedData'); // deployed in the subscriber's account
new DataExchangeSubscriber(received, 'Subscriber', { dataGrantArn: 'arn:aws:dataexchange:us-east-1:444455556666:data-grants/0123456789abcdef0123456789abcdef' });
app.synth();
// Not in README: what the test reads. Everything above this line is README's "In your own CDK app", word for word.
export { app };
