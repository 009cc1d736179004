import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { RedisHaModuleOptions } from './config/redis-ha-options.interface';
import { REDIS_HA_MODULE_OPTIONS } from './redis-ha.constants';

export const { ConfigurableModuleClass, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<RedisHaModuleOptions>({ optionsInjectionToken: REDIS_HA_MODULE_OPTIONS })
    .setClassMethodName('forRoot')
    .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();
