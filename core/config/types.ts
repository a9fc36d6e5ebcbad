import type { PluginManifest } from '../plugin/types';
import type { ConfigIssue } from './issues';
import type { CoreEntry, GatewayConfigRaw } from './schema';

/** One configured plugin instance: core keys, the plugin's validated options, and its manifest. */
export interface InstanceConfig extends CoreEntry {
  channel: string;
  options: Record<string, unknown>;
  manifest: PluginManifest;
  /** Position of the entry in `plugins`, for messages. */
  index: number;
}

type Durations<T, K extends keyof T> = Omit<T, K> & { [P in K]: number };

/** A validated configuration, durations in milliseconds. */
export interface GatewayConfig {
  file: string;
  nats: Durations<GatewayConfigRaw['nats'], 'dedupWindow' | 'inboundMaxAge' | 'outboundMaxAge'> & { servers: string[] };
  http: GatewayConfigRaw['http'];
  log: GatewayConfigRaw['log'];
  delivery: Durations<GatewayConfigRaw['delivery'], 'initialBackoff' | 'maxBackoff' | 'sendTimeout' | 'holdFor' | 'remember'>;
  media: Durations<GatewayConfigRaw['media'], 'ttl' | 'fetchTimeout'>;
  lifecycle: Durations<GatewayConfigRaw['lifecycle'], 'startTimeout' | 'stopTimeout' | 'restartDelay'>;
  metrics: Durations<GatewayConfigRaw['metrics'], 'sampleInterval'>;
  instances: InstanceConfig[];
  /** What is valid but probably not meant (an empty file): `validate` and `start` print it. */
  warnings: ConfigIssue[];
}
