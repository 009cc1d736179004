import type { DynamicModule, Provider } from '@nestjs/common';

// OWNED BY THE CACHE WORK (issue 4). The root module spreads these into its definition.
export interface FeatureParts {
  imports: DynamicModule[];
  providers: Provider[];
  exports: Array<string | Provider | DynamicModule | (abstract new (...args: any[]) => unknown)>;
}

export function cacheFeature(): FeatureParts {
  return { imports: [], providers: [], exports: [] };
}
