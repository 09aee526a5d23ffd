/*
 * dx-flow's constructs, for a CDK app of your own: import from here only. `DataExchangeStack` and `SubscriberStack`
 * are these two configured from CDK context; README's "In your own CDK app" shows the lines a user writes.
 */
export { DataExchangePublisher, type DataExchangePublisherProps, type PublisherDataSetProps } from './constructs/data-exchange-publisher';
export { DataExchangeSubscriber, type DataExchangeSubscriberProps } from './constructs/subscriber/data-exchange-subscriber';
export { ConfigurationError } from './configuration-error';
