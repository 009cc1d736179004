/**
 * A queue name that no `RedisHaModule.registerQueue()` (nor `QUEUE_NAMES`) registered: a `@Processor()` for it,
 * or a lookup through `QueueRegistry.getQueue()`. Thrown at startup or at the call site, naming what is known.
 */
export class QueueNotRegisteredError extends Error {
  override readonly name = 'QueueNotRegisteredError';

  constructor(
    readonly queueName: string,
    readonly registered: readonly string[],
    where = 'Queue',
  ) {
    const known = registered.length > 0 ? registered.map((n) => `"${n}"`).join(', ') : 'none';
    super(
      `${where} "${queueName}" is not registered (registered: ${known}). Add RedisHaModule.registerQueue({ name: '${queueName}' }) to a module's imports, or list it in QUEUE_NAMES`,
    );
  }
}
