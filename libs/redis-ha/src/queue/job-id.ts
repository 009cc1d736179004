import { createHash } from 'node:crypto';

/** Longer ids are hashed: BullMQ keeps the id in every key of the job. */
const MAX_LENGTH = 200;

/**
 * A BullMQ job id from a business key, so that adding the same work twice (a retried request, a producer that
 * repeats an add it could not confirm) creates one job: BullMQ ignores an add whose `jobId` exists.
 *
 * `jobIdFor('invoice', 42)` is `invoice/42`. Parts are URI-encoded, so `/` separates them unambiguously and the
 * `:` BullMQ reserves never appears; an id BullMQ would take for a number gets a `k/` prefix; ids over 200
 * characters become `h/<sha256>`. Note that the id protects only while the job exists: once it is removed
 * (`removeOnComplete`) the same id is a new job; `JobIdempotency` guards the processing side.
 */
export function jobIdFor(...parts: Array<string | number>): string {
  if (parts.length === 0) throw new Error('jobIdFor() needs at least one part of the business key');
  const id = parts.map((part) => encodeURIComponent(String(part))).join('/');
  if (id.length > MAX_LENGTH) return `h/${createHash('sha256').update(id).digest('hex')}`;
  return /^\d+$/.test(id) ? `k/${id}` : id;
}
