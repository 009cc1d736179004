import type { SentinelSnapshot, SentinelView } from './sentinel-view';

export interface SentinelVerdict {
  /** `down` only when Sentinel can no longer fail over (needs a human); `up` otherwise, maybe `degraded`. */
  status: 'up' | 'down';
  degraded: boolean;
  problems: string[];
  configured: number;
  reachable: number;
  quorum?: number;
  /** At least one sentinel answers `SENTINEL CKQUORUM` with OK and enough sentinels answer us. */
  quorumOk: boolean;
  /** The master named by the highest config epoch among the sentinels that answer. */
  master?: string;
  /** Every sentinel that answers names the same master. */
  agree: boolean;
}

/**
 * Judges what the sentinels answered. Terminus 11 has only `up` and `down` (and one `down` turns `/health`
 * into a 503), so `down` is kept for "no automatic failover is possible any more": no sentinel answers, or
 * quorum/majority lost (CKQUORUM fails everywhere, or fewer sentinels answer us than the quorum while we know
 * them all). Everything Sentinel survives is `up` with `degraded: true` and the problems listed: a minority of
 * sentinels unreachable, sentinels naming different masters (normal for about a second after a switch, until
 * every sentinel has the new config epoch), or the master flagged down (a failover is about to happen).
 */
export function judgeSentinels(snapshot: SentinelSnapshot): SentinelVerdict {
  const views = snapshot.views;
  const answering = views.filter((v) => v.reachable);
  const problems: string[] = [];
  const quorum = max(answering.map((v) => v.quorum));
  const known = max(answering.map((v) => (v.otherSentinels ?? 0) + 1)) ?? views.length;
  const verdict: SentinelVerdict = {
    status: 'up',
    degraded: false,
    problems,
    configured: views.length,
    reachable: answering.length,
    quorum,
    quorumOk: false,
    agree: true,
  };
  if (answering.length === 0) {
    problems.push(`no sentinel answers (${views.map(describeFailure).join('; ')})`);
    return { ...verdict, status: 'down', degraded: true };
  }
  const unreachable = views.filter((v) => !v.reachable);
  if (unreachable.length > 0) {
    problems.push(
      `${unreachable.length} of ${views.length} sentinels do not answer: ${unreachable.map(describeFailure).join('; ')}`,
    );
  }
  const ckOk = answering.some((v) => v.ckquorum?.ok);
  // Our own count only says something when we were configured with every sentinel the group knows.
  const tooFew =
    quorum !== undefined &&
    views.length >= known &&
    answering.length < Math.max(quorum, Math.floor(known / 2) + 1);
  verdict.quorumOk = ckOk && !tooFew;
  if (!ckOk) {
    const message =
      answering.find((v) => v.ckquorum && !v.ckquorum.ok)?.ckquorum?.message ?? 'no CKQUORUM answer';
    problems.push(`quorum lost: ${message}`);
  } else if (tooFew) {
    problems.push(
      `quorum lost: ${answering.length} of ${known} sentinels answer, quorum ${quorum} and a majority are needed`,
    );
  }

  const byEpoch = [...answering]
    .filter((v) => v.master)
    .sort((a, b) => (b.configEpoch ?? 0) - (a.configEpoch ?? 0));
  verdict.master = byEpoch[0]?.master;
  const masters = new Set(byEpoch.map((v) => v.master));
  verdict.agree = masters.size <= 1;
  if (!verdict.agree) {
    const who = byEpoch
      .map((v) => `${v.sentinel} names ${v.master} (epoch ${v.configEpoch ?? '?'})`)
      .join(', ');
    problems.push(`sentinels disagree on the master: ${who}; the highest epoch wins`);
  }
  const downFlags = answering
    .flatMap((v) => v.masterFlags ?? [])
    .filter((f) => f === 's_down' || f === 'o_down');
  if (downFlags.length > 0) {
    problems.push(
      `sentinels flag the master ${verdict.master ?? ''} as ${[...new Set(downFlags)].join(', ')}: failover expected`,
    );
  }
  verdict.status = verdict.quorumOk ? 'up' : 'down';
  verdict.degraded = problems.length > 0;
  return verdict;
}

function describeFailure(view: SentinelView): string {
  return `${view.sentinel}: ${view.error ?? 'no answer'}`;
}

function max(values: Array<number | undefined>): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return defined.length > 0 ? Math.max(...defined) : undefined;
}
