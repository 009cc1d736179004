import type { FeatureParts } from '../cache/cache.providers';

// OWNED BY THE HEALTH WORK (issue 6). The root module spreads these into its definition.
export function healthFeature(): FeatureParts {
  return { imports: [], providers: [], exports: [] };
}
