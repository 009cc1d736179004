import { FailoverGate, GatedConnector } from './failover-gate';

function connector(role: 'master' | 'slave', port?: number): GatedConnector & { cuts: number } {
  return {
    role,
    cuts: 0,
    address: () => (port ? { host: '127.0.0.1', port } : undefined),
    cut() {
      this.cuts++;
    },
    isClosed: () => false,
  };
}

describe('FailoverGate', () => {
  it('is open until a failover starts', async () => {
    const gate = new FailoverGate(1000);
    expect(gate.held).toBe(false);
    await expect(gate.wait()).resolves.toBeUndefined();
  });

  it('holds waiters from +try-failover until +switch-master and remembers the new master', async () => {
    const gate = new FailoverGate(10_000);
    const master = connector('master', 6379);
    const replica = connector('slave', 6380);
    gate.register(master);
    gate.register(replica);
    expect(gate.hold('s1')).toBe(true);
    expect(master.cuts).toBe(1);
    expect(replica.cuts).toBe(0);
    let passed = false;
    const waiting = gate.wait().then(() => (passed = true));
    await Promise.resolve();
    expect(passed).toBe(false);
    gate.switchTo({ host: '127.0.0.1', port: 6380 });
    await waiting;
    expect(passed).toBe(true);
    expect(gate.knownMaster()).toEqual({ host: '127.0.0.1', port: 6380 });
  });

  it('stays held while another sentinel still runs its attempt', () => {
    const gate = new FailoverGate(10_000);
    gate.hold('s1');
    expect(gate.hold('s2')).toBe(false);
    expect(gate.abort('s1')).toBe(false);
    expect(gate.held).toBe(true);
    expect(gate.abort('s2')).toBe(true);
    expect(gate.held).toBe(false);
  });

  it('opens by itself after the hold bound and says so', async () => {
    const timedOut = jest.fn();
    const gate = new FailoverGate(20, timedOut);
    gate.hold('s1');
    await gate.wait();
    expect(timedOut).toHaveBeenCalledTimes(1);
    expect(gate.held).toBe(false);
  });

  it('on a switch cuts master connections that are not on the new master', () => {
    const gate = new FailoverGate(1000);
    const onOld = connector('master', 6379);
    const onNew = connector('master', 6380);
    gate.register(onOld);
    gate.register(onNew);
    gate.switchTo({ host: '127.0.0.1', port: 6380 });
    expect(onOld.cuts).toBe(1);
    expect(onNew.cuts).toBe(0);
    gate.switchTo({ host: '127.0.0.1', port: 6380 }); // the other sentinels announce the same switch
    expect(onOld.cuts).toBe(1);
  });
});
