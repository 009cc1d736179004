/**
 * A strict reader of the Prometheus text exposition format 0.0.4 (what `GET /metrics` serves), written for the
 * tests because promtool is not on this machine. It throws on anything Prometheus would reject or that breaks
 * the conventions the library promises: a sample before its TYPE, a sample of an undeclared family, a bad
 * metric or label name, a bad value, a duplicate series, non-cumulative histogram buckets.
 */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface PromFamily {
  name: string;
  type: string;
  help?: string;
  samples: PromSample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  const seen = new Set<string>();
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    const where = `line ${index + 1} "${line.slice(0, 120)}"`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest = ''] = m;
      if (!NAME.test(name)) throw new Error(`${where}: bad metric name`);
      const family = families.get(name) ?? { name, type: 'untyped', samples: [] };
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`${where}: unknown type`);
        if (family.samples.length > 0) throw new Error(`${where}: TYPE after samples`);
        family.type = rest;
      } else family.help = rest;
      families.set(name, family);
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(families, sample.name);
    if (!family) throw new Error(`${where}: sample of a family without TYPE/HELP`);
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: duplicate series`);
    seen.add(key);
    family.samples.push(sample);
  });
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family);
  return families;
}

function familyOf(families: Map<string, PromFamily>, sample: string): PromFamily | undefined {
  const direct = families.get(sample);
  if (direct) return direct;
  const m = /^(.*)_(bucket|sum|count)$/.exec(sample);
  const base = m && families.get(m[1]);
  return base && (base.type === 'histogram' || base.type === 'summary') ? base : undefined;
}

function parseSample(line: string, where: string): PromSample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/.exec(line);
  if (!m) throw new Error(`${where}: not a sample line`);
  const [, name, , body = '', raw] = m;
  const value = raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : raw === 'NaN' ? NaN : Number(raw);
  if (raw !== 'NaN' && Number.isNaN(value)) throw new Error(`${where}: bad value "${raw}"`);
  return { name, labels: parseLabels(body, where), value };
}

function parseLabels(body: string, where: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let rest = body.trim();
  while (rest.length > 0) {
    const m = /^([^=\s]+)="((?:[^"\\]|\\["\\n])*)"\s*(,\s*)?/.exec(rest);
    if (!m) throw new Error(`${where}: bad labels at "${rest}"`);
    if (!LABEL.test(m[1])) throw new Error(`${where}: bad label name "${m[1]}"`);
    if (m[1] in labels) throw new Error(`${where}: label "${m[1]}" twice`);
    labels[m[1]] = m[2].replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
    rest = rest.slice(m[0].length);
  }
  return labels;
}

/** Buckets cumulative and ending with le="+Inf" equal to _count, per label set. */
function checkHistogram(family: PromFamily): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    if (s.name === `${family.name}_bucket`) {
      if (le === undefined) throw new Error(`${family.name}: bucket without le`);
      entry.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
    } else if (s.name === `${family.name}_count`) entry.count = s.value;
    series.set(key, entry);
  }
  for (const [key, { buckets, count }] of series) {
    buckets.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < buckets.length; i++) {
      if (buckets[i][1] < buckets[i - 1][1]) throw new Error(`${family.name}${key}: buckets not cumulative`);
    }
    const inf = buckets.at(-1);
    if (!inf || inf[0] !== Infinity) throw new Error(`${family.name}${key}: no le="+Inf" bucket`);
    if (count !== inf[1]) throw new Error(`${family.name}${key}: +Inf bucket ${inf[1]} != _count ${count}`);
  }
}

/** The value of the one sample of `name` whose labels include `labels` (undefined when none). */
export function sampleValue(
  families: Map<string, PromFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const all = [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name);
  const match = all.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return match[0]?.value;
}

/** Every sample name in the scrape (`foo_bucket`, `foo_sum`, … included). */
export function sampleNames(families: Map<string, PromFamily>): Set<string> {
  return new Set([...families.values()].flatMap((f) => [f.name, ...f.samples.map((s) => s.name)]));
}
