import 'aws-sdk-client-mock-jest';

// The SDK reads credentials and region lazily; unit tests never reach AWS, but the clients still sign requests.
process.env.AWS_REGION ??= 'us-east-1';
process.env.AWS_ACCESS_KEY_ID ??= 'test';
process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// The SDK warns once per process that releases after January 2027 need Node.js 22; the versions pinned here run on 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
