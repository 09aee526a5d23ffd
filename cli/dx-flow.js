#!/usr/bin/env node
// The CLI runs from its TypeScript sources: tsx compiles them on load, so there is no build step.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs/api').register();
require('./main.ts')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
    // An idle keep-alive socket must not hold the process open; unref'd, this fires only if something does.
    setTimeout(() => process.exit(code), 2000).unref();
  })
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
