import { Logger } from '@nestjs/common';
import type { HostPort } from '../../config/connection.config';
import { sameAddress } from './failover-gate';
import type { SentinelResolver } from './sentinel-resolver';

/**
 * The master as one module last knew it: from a majority of sentinels (at start, and whenever a sentinel's
 * Pub/Sub connection comes back), then from each switch it acted on. A failover message about another node is
 * late (held in TCP while a partition lasted: it arrived 2.2-2.5 s after the heal in our runs, and acting on a
 * late `+try-failover` cut a writer already on the new master) or follows one we missed: it is acted on only if
 * a majority of the sentinels confirms it now.
 */
export class MasterView {
  private readonly logger = new Logger('RedisHa');
  private master: HostPort | undefined;
  /** Counts switches, so that a refresh answered after a switch does not bring the older view back. */
  private switches = 0;

  constructor(private readonly resolver: SentinelResolver) {}

  /** Asks the majority now; keeps the view when there is none (mid-failover, sentinels down). */
  refresh(): void {
    const switches = this.switches;
    this.resolver.master().then(
      (master) => {
        if (switches === this.switches) this.master = master;
      },
      () => undefined,
    );
  }

  /** True when `address` is the master of the view, or there is no view yet (nothing to compare with). */
  isAbout(address: HostPort): boolean {
    return !this.master || sameAddress(this.master, address);
  }

  /** A switch the module acted on. */
  switchedTo(address: HostPort): void {
    this.switches++;
    this.master = address;
  }

  /**
   * Runs `act` if a majority of sentinels names `address` as the master now (or sees it down: a failover of it
   * is under way), and no switch happened while they were asked; otherwise drops the message.
   */
  whenMajorityNames(address: HostPort, act: () => void, what: string): void {
    const switches = this.switches;
    this.resolver.confirms(address).then(
      (confirmed) => {
        if (confirmed && switches === this.switches) return act();
        this.logger.warn(`Ignored a late or unconfirmed sentinel message (${what})`);
      },
      () => this.logger.warn(`Ignored a sentinel message (${what}): the sentinels could not be asked`),
    );
  }
}
