// What a process costs, read from /proc: CPU seconds (utime + stime) and
// anonymous resident memory (RssAnon; LMDB's mapped file pages count in
// VmRSS but are not the process's memory, so VmRSS would mislead).
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

let ticks = 0;

function clockTicks() {
  if (!ticks) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

// utime + stime of pid in seconds, or null once it is gone.
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: fields count from after its ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / clockTicks();
  } catch {
    return null;
  }
}

// RssAnon of pid in bytes, or null once it is gone.
export function rssAnonBytes(pid) {
  try {
    const m = /^RssAnon:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

// Busy CPU seconds of the whole machine since boot (all but idle and
// iowait), to tell how much of it other processes took during a run.
export function machineBusySeconds() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1)
    .map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + (steal || 0)) / clockTicks();
}

// Samples pid every everyMs until stop(): the peak RssAnon and the last
// CPU reading seen (a child's last reading before it exits).
export function sampler(pid, everyMs = 50) {
  const s = { peakRssAnon: 0, lastCpu: cpuSeconds(pid) };
  const tick = () => {
    const rss = rssAnonBytes(pid);
    const cpu = cpuSeconds(pid);
    if (rss !== null && rss > s.peakRssAnon) s.peakRssAnon = rss;
    if (cpu !== null) s.lastCpu = cpu;
  };
  tick();
  const timer = setInterval(tick, everyMs);
  s.stop = () => {
    clearInterval(timer);
    tick();
    return s;
  };
  return s;
}

// Waits (at most maxSeconds) for a second in which the machine is nearly
// idle, so that a scenario does not start while other work holds the
// cores. Returns the busy cores of the last second seen.
export async function waitQuiet(maxSeconds, threshold = 0.25) {
  const deadline = Date.now() + maxSeconds * 1000;
  for (;;) {
    const b0 = machineBusySeconds();
    await delay(1000);
    const busy = machineBusySeconds() - b0;
    if (busy <= threshold || Date.now() >= deadline) return busy;
  }
}
