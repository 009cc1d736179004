import { SingleFlight } from './single-flight';

describe('SingleFlight', () => {
  it('1,000 concurrent calls for one key run the work once and all get its result', async () => {
    const flights = new SingleFlight();
    let runs = 0;
    const work = async () => {
      runs++;
      await new Promise((r) => setTimeout(r, 10));
      return 'value';
    };
    const calls = Array.from({ length: 1000 }, () => flights.run('k', work));
    expect(calls.filter((c) => !c.joined)).toHaveLength(1);
    expect(await Promise.all(calls.map((c) => c.promise))).toEqual(Array(1000).fill('value'));
    expect(runs).toBe(1);
    expect(flights.size).toBe(0);
  });

  it('different keys run separately; a settled key runs again', async () => {
    const flights = new SingleFlight();
    let runs = 0;
    const work = async () => ++runs;
    await Promise.all([flights.run('a', work).promise, flights.run('b', work).promise]);
    expect(runs).toBe(2);
    await flights.run('a', work).promise;
    expect(runs).toBe(3);
  });

  it('a failure reaches every joiner and is not remembered', async () => {
    const flights = new SingleFlight();
    const boom = () => Promise.reject(new Error('loader failed'));
    const first = flights.run('k', boom);
    const second = flights.run('k', boom);
    await expect(first.promise).rejects.toThrow('loader failed');
    await expect(second.promise).rejects.toThrow('loader failed');
    expect(flights.has('k')).toBe(false);
    await expect(flights.run('k', async () => 'ok').promise).resolves.toBe('ok');
  });
});
