// Summarises a V8 .cpuprofile (node --cpu-prof) into the functions with the most self time, for
// `BENCH_SIP_PROFILE=<rate> npm run bench:sip`.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  location: string;
  selfMs: number;
  /** Share of the sampled time… */
  share: number;
  /** …and of the busy (not idle) time. */
  busyShare: number;
}

/** The functions with the most self time, and self time grouped by source file. */
export function hotSpots(file: string, root: string, top = 20): { functions: HotSpot[]; files: HotSpot[]; totalMs: number; busyMs: number } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  let idle = 0;
  for (const [id, us] of selfUs) if (byId.get(id)!.callFrame.functionName === '(idle)') idle += us;
  const busy = total - idle;
  const fns = new Map<string, HotSpot>();
  const files = new Map<string, HotSpot>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const where = url ? shorten(url, root) : '';
    const name = functionName || (url ? '(anonymous)' : '');
    const fnKey = `${name} ${where}:${lineNumber + 1}`;
    const fn = fns.get(fnKey) ?? { name: name || '(native)', location: where && lineNumber > 0 ? `${where}:${lineNumber + 1}` : where, selfMs: 0, share: 0, busyShare: 0 };
    fn.selfMs += us / 1000;
    fns.set(fnKey, fn);
    const fileKey = where || name;
    const f = files.get(fileKey) ?? { name: fileKey, location: '', selfMs: 0, share: 0, busyShare: 0 };
    f.selfMs += us / 1000;
    files.set(fileKey, f);
  }
  const finish = (m: Map<string, HotSpot>): HotSpot[] =>
    [...m.values()].map((h) => ({
      ...h, share: total ? (h.selfMs * 1000) / total : 0, busyShare: busy && h.name !== '(idle)' ? (h.selfMs * 1000) / busy : 0,
    })).sort((a, b) => b.selfMs - a.selfMs).slice(0, top);
  return { functions: finish(fns), files: finish(files), totalMs: total / 1000, busyMs: busy / 1000 };
}

function shorten(url: string, root: string): string {
  const file = url.startsWith('file://') ? new URL(url).pathname : url;
  if (file.startsWith(root)) return path.relative(root, file);
  const nm = file.lastIndexOf('node_modules/');
  return nm >= 0 ? file.slice(nm) : file;
}

/**
 * Prints the hot spots of the one .cpuprofile in `dir` (self time by function and by file); false when the profiled
 * process wrote none. `included` says what else the profile holds (warm-up, startup).
 */
export function printHotSpots(dir: string, root: string, included: string): boolean {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) {
    console.error('no .cpuprofile written');
    return false;
  }
  const spots = hotSpots(path.join(dir, file), root, 25);
  const share = (h: { share: number; busyShare: number }): string =>
    `${(h.share * 100).toFixed(1).padStart(5)}%  ${h.busyShare ? `${(h.busyShare * 100).toFixed(1).padStart(5)}%` : '      '}`;
  console.log(`\n  self time, top functions (${(spots.totalMs / 1000).toFixed(1)} s sampled, ${(spots.busyMs / 1000).toFixed(1)} s busy, ${included} included)`);
  console.log('  of all  of busy');
  for (const h of spots.functions) console.log(`  ${share(h)}  ${h.name.padEnd(40)} ${h.location}`);
  console.log('\n  self time by file\n  of all  of busy');
  for (const h of spots.files) console.log(`  ${share(h)}  ${h.name}`);
  console.log(`\n  profile: ${path.join(dir, file)}`);
  return true;
}
