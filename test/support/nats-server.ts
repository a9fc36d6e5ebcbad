/** The test nats-server lives with the conformance kit (`chat-gateway/testing`), which plugin authors use too. */
export { freePort, natsServerBinary, startNats, uniquePrefix, type TestNats } from '../../core/testing/nats-server';
