import { Inject } from '@nestjs/common';
import { DEFAULT_CONNECTION, getRedisToken } from '../redis-ha.constants';

/** Injects a library ioredis client: the writer (master) by default, `'reader'` or a named extra connection. */
export const InjectRedis = (name: string = DEFAULT_CONNECTION): ParameterDecorator & PropertyDecorator =>
  Inject(getRedisToken(name));
