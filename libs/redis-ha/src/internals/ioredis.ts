/**
 * The one place that touches ioredis 6 internals (fields and methods its typings mark `private` or `@ignore`).
 * Type-only imports: the core of the library depends on ioredis alone, so this file imports no other package.
 * `assertIoredisInternals()` (ioredis-check.ts) verifies at startup that each one is there; ioredis.spec.ts
 * has one test per internal.
 *
 * Also relied on, through inheritance rather than here: `AbstractConnector` (exported), its `check(info)`, which
 * ioredis calls after `INFO`, and its protected `connecting` / `stream` / `firstError` (topology/sentinel/ha-connector.ts).
 */
import type Redis from 'ioredis';
import type { Cluster, Command } from 'ioredis';

/** A command still waiting in one of a client's queues, as the deadline sweep sees it. */
export interface PendingCommand {
  name?: string;
  isSettled?: boolean;
  reject(err: Error): void;
}

/** ioredis' queues are denques of `{ command, stream, select }`. */
interface CommandDeque {
  length: number;
  peekAt(index: number): { command?: PendingCommand } | undefined;
}

/**
 * Calls `visit(command, sent)` for each unsettled command of `client`. Sent (`sent: true`): written to a socket
 * and awaiting a reply, in `commandQueue` (typed but `@ignore`) or in `prevCommandQueue` (private: written on a
 * connection that closed; ioredis resends them on the next `ready`). Not sent: held while the client is not
 * connected, in `offlineQueue` (private). Reads each queue in place with denque's `peekAt`; settled commands
 * (`Command.isSettled`) are skipped.
 */
export function forEachPendingCommand(
  client: Redis,
  visit: (command: PendingCommand, sent: boolean) => void,
): void {
  const queues = client as unknown as Record<
    'prevCommandQueue' | 'offlineQueue',
    CommandDeque | null | undefined
  >;
  const current = client.commandQueue as unknown as CommandDeque;
  const prev = queues.prevCommandQueue;
  // Before `ready`, commandQueue holds the handshake (AUTH, INFO ready check...): failing one makes ioredis
  // flush its whole offline queue with that error, so the handshake is left to the connection's own bounds.
  const ready = client.status === 'ready';
  if (ready) visitQueue(current, true, visit);
  // prevCommandQueue is the same deque as commandQueue from a close until the next connect makes a new one.
  if (prev !== current || !ready) visitQueue(prev, true, visit);
  visitQueue(queues.offlineQueue, false, visit);
}

function visitQueue(
  queue: CommandDeque | null | undefined,
  sent: boolean,
  visit: (command: PendingCommand, sent: boolean) => void,
): void {
  for (let i = 0; queue && i < queue.length; i++) {
    const command = queue.peekAt(i)?.command;
    if (command && !command.isSettled) visit(command, sent);
  }
}

/** `Redis#sendCommand` (`@ignore`): every command, including ioredis' own resends, passes through it. */
export type SendCommand = (this: Redis, command: Command, stream?: unknown) => unknown;

/**
 * Replaces `sendCommand` on this one client (not on the prototype) with `wrap(original)`. The wrapper is called
 * for each send of a command: the caller's, and again when ioredis flushes its offline queue or resends
 * unanswered commands after a reconnect. It may replace `command.resolve` / `command.reject` (typed fields
 * ioredis calls by property when the reply or error arrives).
 *
 * Public alternative, not used: ioredis 6 publishes the tracing channels `ioredis:command` / `ioredis:batch` /
 * `ioredis:connect` (node:diagnostics_channel). They are no drop-in for the command latency metrics: the channel
 * is process-wide and its context names a server address, not the client (so no connection name or role label);
 * a command is traced from when it is written, not from when the caller issued it (time queued in the offline
 * queue during a failover would be lost); and with a subscriber every command of every client in the process
 * builds a context (argument sanitising) and a wrapper promise, where the patch samples one command in N.
 */
export function patchSendCommand(client: Redis, wrap: (original: SendCommand) => SendCommand): void {
  client.sendCommand = wrap(client.sendCommand as SendCommand) as Redis['sendCommand'];
}

/**
 * Calls `visit(command)` for each unsettled command a cluster client holds itself, in its `offlineQueue`
 * (private, a denque of `{ command, stream, node }`): those issued before the cluster was ready or while it
 * reconnects. Commands on their way to a node are in that node client's queues (`forEachPendingCommand`).
 */
export function forEachClusterQueued(cluster: Cluster, visit: (command: PendingCommand) => void): void {
  visitQueue((cluster as unknown as { offlineQueue?: CommandDeque }).offlineQueue, false, visit);
}

/** Anything that may carry ioredis' socket: a `Redis`, or the proxy BullMQ wraps around one. */
export interface SocketHolder {
  stream?: unknown;
}

/**
 * The socket the client currently talks on (`stream`, `@ignore`): a new object after every reconnect, so its
 * identity tells whether two moments used the same connection. Undefined before the first connect.
 */
export function currentSocket(client: SocketHolder): unknown {
  return client.stream;
}

/**
 * Closes the client's socket at once (`stream.destroy()`), where `disconnect()` only half-closes it: a hung
 * server never answers the FIN, so ioredis would wait for the socket's `close` to fail what it had sent.
 */
export function destroySocket(client: SocketHolder): void {
  (client.stream as { destroy?: () => void } | undefined)?.destroy?.();
}

/** Host and port of the node the client's socket is connected to, or undefined (not connected, no address). */
export function remoteEndpoint(client: SocketHolder): { host: string; port: number | undefined } | undefined {
  const stream = client.stream as { remoteAddress?: string; remotePort?: number } | undefined;
  return stream?.remoteAddress ? { host: stream.remoteAddress, port: stream.remotePort } : undefined;
}

/** Whether a client's sends are held back (the Sentinel topology's write lease: see write-lease.ts). */
export interface SendFence {
  closed: boolean;
}

/** An entry of ioredis' offline queue (private): what `sendCommand` parks while the client is not connected. */
interface QueuedSend {
  command: Command;
  stream?: unknown;
  select?: number;
}

/** The private members parking and flushing use (ioredis' typings mark `offlineQueue` and the rest private). */
interface Internal {
  status: Redis['status'];
  offlineQueue: { push(item: QueuedSend): void; shift(): QueuedSend | undefined; length: number };
  resetOfflineQueue(): void;
  condition?: { select: number };
  select(db: number): Promise<unknown>;
  sendCommand(command: Command, stream?: unknown): unknown;
}

/**
 * One wrapper around this client's `sendCommand`, on every send:
 * - a command already settled (`Command.isSettled`) is not written: ioredis writes what its offline queue holds
 *   when the connection is back, and resends what was unanswered on a closed connection, without asking whether
 *   the caller was already given an error. So a command the deadline rejected before it was written never
 *   runs, and one rejected after it was written is not run again;
 * - while `fence` is closed, a command is parked in the client's offline queue (ioredis' own, so the deadline
 *   sees it as not sent) instead of being written; `sendParked()` writes them in order once it opens.
 */
export function guardSends(client: Redis, fence?: SendFence): void {
  patchSendCommand(
    client,
    (send) =>
      function guardedSend(this: Redis, command, stream) {
        if (command.isSettled) return command.promise;
        if (fence?.closed && this.status === 'ready') {
          const self = this as unknown as Internal;
          self.offlineQueue.push({ command, stream, select: self.condition?.select });
          return command.promise;
        }
        return send.call(this, command, stream);
      },
  );
}

/**
 * Writes what `guardSends` parked, in order, as ioredis does with its offline queue on `ready` (selecting the
 * database each was issued on). Nothing to do while the client is not connected: ioredis flushes it on ready.
 */
export function sendParked(client: Redis): void {
  const self = client as unknown as Internal;
  if (self.status !== 'ready' || self.offlineQueue.length === 0) return;
  const parked = self.offlineQueue;
  self.resetOfflineQueue();
  for (let item = parked.shift(); item; item = parked.shift()) {
    const select = self.condition?.select;
    if (item.select !== undefined && item.select !== select && item.command.name !== 'select') {
      self.select(item.select).catch(() => undefined);
    }
    self.sendCommand(item.command, item.stream);
  }
}
