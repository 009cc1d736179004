import type { Queue, Worker } from 'bullmq';
import { QueueNotRegisteredError } from '../errors/queue-not-registered.error';
import { QueueRegistry } from './queue-registry';

const queue = (name: string) => ({ name }) as Queue;
const worker = (name: string, id: string) => ({ name, id }) as Worker;

describe('QueueRegistry', () => {
  it('answers a registered queue and names the registered ones for an unknown name', () => {
    const registry = new QueueRegistry();
    registry.addQueue(queue('reports'));
    registry.addQueue(queue('emails'));
    expect(registry.getQueue('reports').name).toBe('reports');
    expect(() => registry.getQueue('report')).toThrow(QueueNotRegisteredError);
    expect(() => registry.getQueue('report')).toThrow(
      /"report" is not registered \(registered: "reports", "emails"\)/,
    );
  });

  it('keeps workers once each, and puts a replacement in the place of a stuck worker', () => {
    const registry = new QueueRegistry();
    const [a, b, c] = [worker('q', 'a'), worker('q', 'b'), worker('q', 'c')];
    registry.addWorker(a);
    registry.addWorker(a);
    registry.addWorker(b);
    registry.replaceWorker(a, c);
    expect(registry.workers.get('q')?.map((w) => w.id)).toEqual(['b', 'c']);
    expect(registry.replacements.has(c)).toBe(true);
    registry.removeWorker(b);
    expect(registry.workers.get('q')?.map((w) => w.id)).toEqual(['c']);
  });
});
