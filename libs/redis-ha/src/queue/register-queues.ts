import type { DynamicModule } from '@nestjs/common';

// OWNED BY THE QUEUE WORK (issue 5). `RedisHaModule.registerQueue(...)` delegates here.
export interface RegisterQueueOptions {
  name: string;
}

export function registerQueues(_queues: RegisterQueueOptions[]): DynamicModule {
  throw new Error('RedisHaModule.registerQueue is not implemented yet');
}
