/*
 * Every state's payload in and out. The handlers parse their input with these, the state machine builds its
 * Parameters to match them, and the tests use them to build fixtures.
 */
// One module per stage, so that each task's bundle builds only the schemas it uses; tests and the state
// machine take them all from here.
export * from './payloads/batch';
export * from './payloads/plan';
export * from './payloads/revision';
export * from './payloads/import';
export * from './payloads/sharing';
export * from './payloads/notify';
