/**
 * Follows the reports the sample app accepted (202) until each one is finished, through `GET /reports/:id`
 * as a client would: "every report accepted with 202 reaches `completed`".
 */
export interface ReportOutcome {
  /** Ids of the reports that completed, with BullMQ's finishedOn (ms since the epoch). */
  completed: Map<string, number>;
  failed: string[];
  /** Accepted, then unknown (404) at the deadline: the job is gone. */
  lost: string[];
  /** Still waiting or active (or unreadable) at the deadline. */
  pending: string[];
}

interface ReportStatus {
  state: string;
  finishedOn?: number;
}

async function fetchStatus(baseUrl: string, id: string): Promise<{ status: number; body?: ReportStatus }> {
  try {
    const res = await fetch(`${baseUrl}/reports/${encodeURIComponent(id)}`, {
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    return { status: res.status, body: res.status === 200 ? (JSON.parse(text) as ReportStatus) : undefined };
  } catch {
    return { status: 0 };
  }
}

/** Polls every unfinished id (20 at a time) until all completed or failed, or `timeoutMs` passed. */
export async function settleReports(
  baseUrl: string,
  ids: readonly string[],
  timeoutMs = 60_000,
): Promise<ReportOutcome> {
  const outcome: ReportOutcome = { completed: new Map(), failed: [], lost: [], pending: [] };
  const lastStatus = new Map<string, number>();
  let open = [...new Set(ids)];
  const deadline = Date.now() + timeoutMs;
  while (open.length > 0) {
    const still: string[] = [];
    for (let i = 0; i < open.length; i += 20) {
      const batch = open.slice(i, i + 20);
      const answers = await Promise.all(batch.map((id) => fetchStatus(baseUrl, id)));
      answers.forEach(({ status, body }, j) => {
        const id = batch[j];
        lastStatus.set(id, status);
        if (body?.state === 'completed') outcome.completed.set(id, body.finishedOn ?? 0);
        else if (body?.state === 'failed') outcome.failed.push(id);
        else still.push(id);
      });
    }
    open = still;
    if (open.length === 0 || Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  for (const id of open) (lastStatus.get(id) === 404 ? outcome.lost : outcome.pending).push(id);
  return outcome;
}
