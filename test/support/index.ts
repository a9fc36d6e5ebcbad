export * from './harness';
export { loopback } from './loopback-plugin';
