import type { EnvReader } from './env-reader';

// OWNED BY THE QUEUE WORK (issue 5): extend the interface and the parser; keep the function's signature.
/** Validated queue settings (`QUEUE_*`). */
export interface QueueConfig {
  /** `QUEUE_PREFIX`: BullMQ `prefix`, with a hash tag so the keys also work on Redis Cluster. @default '{bull}' */
  prefix: string;
}

export function parseQueueConfig(reader: EnvReader, options: Partial<QueueConfig> = {}): QueueConfig {
  return { prefix: options.prefix ?? reader.string('QUEUE_PREFIX') ?? '{bull}' };
}
