import type { GatewayConfig, InstanceConfig } from '../config/load';

/** Every secret value in a config, so the logger can scrub it from any line. */
export function configSecrets(config: GatewayConfig): string[] {
  const out: string[] = [];
  for (const v of [config.nats.pass, config.nats.token]) if (v) out.push(v);
  for (const inst of config.instances) out.push(...secretsOf(inst));
  return out;
}

/** The secret values of one instance: each plugin names its own secrets in its manifest; core knows none. */
export function secretsOf(inst: InstanceConfig): string[] {
  return (inst.manifest.secrets ?? []).map((n) => inst.options[n]).filter((v): v is string => typeof v === 'string' && v !== '');
}
