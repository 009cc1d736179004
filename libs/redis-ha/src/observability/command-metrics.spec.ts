import { EventEmitter } from 'node:events';
import { Command } from 'ioredis';
import type Redis from 'ioredis';
import { Registry } from 'prom-client';
import { CommandMetrics } from './command-metrics';

/** Enough of an ioredis client for the hook: `status`, events and a `sendCommand` that queues commands. */
class FakeClient extends EventEmitter {
  status = 'ready';
  sent: Command[] = [];
  sendCommand(command: Command): Promise<unknown> {
    this.sent.push(command);
    return command.promise;
  }
}

async function scrape(metrics: CommandMetrics): Promise<string> {
  const registry = new Registry();
  metrics.registerOn(registry, 'test_');
  return registry.metrics();
}

describe('CommandMetrics', () => {
  it('times each command once, from the first send, also when ioredis sends it again (offline queue, resend)', async () => {
    const metrics = new CommandMetrics([0.01, 1]);
    const client = new FakeClient();
    metrics.hook(client as unknown as Redis, 'writer', 'default');
    const command = new Command('get', ['k']);
    const reply = (client as unknown as Redis).sendCommand(command);
    (client as unknown as Redis).sendCommand(command); // flushed from the offline queue after a reconnect
    await new Promise((r) => setTimeout(r, 30));
    command.resolve(Buffer.from('v'));
    await expect(reply).resolves.toEqual(Buffer.from('v'));
    const text = await scrape(metrics);
    expect(text).toContain('test_command_duration_seconds_count{connection="default",role="writer"} 1');
    expect(text).toContain(
      'test_command_duration_seconds_bucket{connection="default",role="writer",le="0.01"} 0',
    );
    expect(text).toContain(
      'test_command_duration_seconds_bucket{connection="default",role="writer",le="1"} 1',
    );
    expect(client.sent).toHaveLength(2);
  });

  it('reports the commands the command timeout rejected, by outcome, summed over the clients of a connection', async () => {
    const metrics = new CommandMetrics([1]);
    metrics.hook(new FakeClient() as unknown as Redis, 'writer', 'default', { notSent: 3, unknown: 1 });
    const second = { notSent: 0, unknown: 0 };
    metrics.hook(new FakeClient() as unknown as Redis, 'writer', 'default', second);
    second.notSent = 2; // the deadline keeps its counts up to date; a scrape reads them then
    const text = await scrape(metrics);
    expect(text).toContain(
      'test_command_timeouts_total{connection="default",role="writer",outcome="not_sent"} 5',
    );
    expect(text).toContain(
      'test_command_timeouts_total{connection="default",role="writer",outcome="unknown"} 1',
    );
  });

  it('counts errors and connection losses, and reports the connection state', async () => {
    const metrics = new CommandMetrics([1]);
    const client = new FakeClient();
    metrics.hook(client as unknown as Redis, 'reader', 'reader');
    const command = new Command('get', ['k']);
    const reply = (client as unknown as Redis).sendCommand(command) as Promise<unknown>;
    command.reject(new Error('Connection is closed.'));
    await expect(reply).rejects.toThrow('Connection is closed.');
    client.emit('close');
    client.status = 'reconnecting';
    const text = await scrape(metrics);
    expect(text).toContain('test_command_errors_total{connection="reader",role="reader"} 1');
    expect(text).toContain('test_connection_losses_total{connection="reader",role="reader"} 1');
    expect(text).toContain('test_connection_up{connection="reader",role="reader"} 0');
  });

  it('does not time blocking and subscriber connections (their commands wait by design) but reports their state', async () => {
    const metrics = new CommandMetrics([1]);
    const client = new FakeClient();
    const original = client.sendCommand;
    metrics.hook(client as unknown as Redis, 'blocking', 'jobs');
    expect(client.sendCommand).toBe(original);
    const text = await scrape(metrics);
    expect(text).toContain('test_connection_up{connection="jobs",role="blocking"} 1');
  });

  it('hooks a client once even if the hook runs twice for it', () => {
    const metrics = new CommandMetrics([1]);
    const client = new FakeClient();
    metrics.hook(client as unknown as Redis, 'writer', 'default');
    const wrapped = client.sendCommand;
    metrics.hook(client as unknown as Redis, 'writer', 'default');
    expect(client.sendCommand).toBe(wrapped);
  });
});

describe('CommandMetrics sampling', () => {
  it('times one command in N and counts it N times', async () => {
    const metrics = new CommandMetrics([1], 4);
    const client = new FakeClient();
    metrics.hook(client as unknown as Redis, 'writer', 'default');
    const commands = Array.from({ length: 8 }, () => new Command('get', ['k']));
    const replies = commands.map((c) => (client as unknown as Redis).sendCommand(c));
    const wrapped = commands.filter((c) => c.resolve.name === 'redisHaTimedResolve');
    expect(wrapped).toHaveLength(2);
    commands.forEach((c) => c.resolve(Buffer.from('v')));
    await Promise.all(replies);
    expect(await scrape(metrics)).toContain(
      'test_command_duration_seconds_count{connection="default",role="writer"} 8',
    );
  });
});
