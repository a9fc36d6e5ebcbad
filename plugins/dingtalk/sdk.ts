/**
 * The `dingtalk-stream` SDK. Its package is an ES module with a CommonJS build (`index.cjs`): the
 * types are read as the ES module's, the code is required as CommonJS, as the rest of the gateway is.
 */
import type * as Sdk from 'dingtalk-stream' with { 'resolution-mode': 'import' };

export type { DWClientDownStream } from 'dingtalk-stream' with { 'resolution-mode': 'import' };

// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above: the SDK's CommonJS build
const sdk = require('dingtalk-stream') as typeof Sdk;

export const { DWClient, TOPIC_ROBOT, TOPIC_CARD } = sdk;
export type DWClient = Sdk.DWClient;
