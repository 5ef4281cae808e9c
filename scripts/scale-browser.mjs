// Times the web app on large files in Debian's headless Chromium, for
// scripts/scale (SCALE_BROWSER=1).
//
// For each CSV (with its NAME.spec.json beside it, as `insitu synth` writes
// them) and each run: a fresh browser opens the app from dist/ (served on
// 127.0.0.1), waits for the demo analysis, loads the spec through
// #spec-file, then sets the CSV on #data-file and waits until the status
// says "Analysed", #table1 and the KM figures are rendered. Time: from the
// input's change event to that moment, measured in the page. Memory: the
// peak resident set (VmHWM) of the renderer process, which hosts the page
// and its analysis worker (the worker's WebAssembly memory included), and
// the page's JS heap (CDP Performance.getMetrics, main thread only). The
// renderer's CPU time over the same span is reported too.
//
// Usage: node scripts/scale-browser.mjs [--runs N] [--no-spec] FILE.csv...
// Prints one tab-separated line per file: file, median seconds, median
// renderer CPU seconds (user + system, from /proc: robust when other work
// shares the cores), peak renderer MiB (max over runs), page JS heap MiB.
// SCALE_CHROMIUM_ARGS adds Chromium switches (space-separated), e.g.
// '--js-flags=--no-liftoff' to time V8's optimised WebAssembly code only.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const dist = path.join(root, 'dist');
// playwright-core is installed for the end-to-end tests
const require = createRequire(path.join(root, 'tests/e2e/package.json'));
const { chromium } = require('playwright-core');
const { serveDir } = await import(pathToFileURL(path.join(root, 'tests/e2e/serve.mjs')).href);

const args = process.argv.slice(2);
let runs = 3;
let withSpec = true;
const files = [];
for (let i = 0; i < args.length; i += 1) {
  if (args[i] === '--runs') runs = Number(args[(i += 1)]);
  else if (args[i] === '--no-spec') withSpec = false;
  else files.push(path.resolve(args[i]));
}
if (files.length === 0) {
  console.error('usage: node scripts/scale-browser.mjs [--runs N] [--no-spec] FILE.csv...');
  process.exit(2);
}
const TIMEOUT_MS = Number(process.env.SCALE_BROWSER_TIMEOUT_MS || 20 * 60 * 1000);

const { server, origin: host } = await serveDir(dist);
const origin = host + '/';

// --- processes ------------------------------------------------------------
/** pid → {ppid, cmdline} of every process. */
function processes() {
  const all = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      all.set(Number(name), { ppid, cmdline });
    } catch {
      // the process ended meanwhile
    }
  }
  return all;
}

/** The renderer processes among the descendants of the browser marked `marker`. */
function rendererPids(marker) {
  const all = processes();
  const top = [...all].find(([, p]) => p.cmdline.includes(marker) && !p.cmdline.includes('--type='));
  if (!top) return [];
  const tree = new Set([top[0]]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, p] of all) {
      if (!tree.has(pid) && tree.has(p.ppid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree].filter((pid) => all.get(pid).cmdline.includes('--type=renderer'));
}

/** Peak resident set (kB, VmHWM) of the renderer processes under `marker`. */
function rendererPeakKb(marker) {
  let peak = 0;
  for (const pid of rendererPids(marker)) {
    try {
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const hwm = /VmHWM:\s+(\d+)/.exec(status);
      if (hwm) peak = Math.max(peak, Number(hwm[1]));
    } catch {
      // gone
    }
  }
  return peak;
}

/** CPU seconds (user + system) used so far by the renderer processes under `marker`. */
function rendererCpuSeconds(marker) {
  let ticks = 0;
  for (const pid of rendererPids(marker)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {
      // gone
    }
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}

// --- one run ----------------------------------------------------------------
async function run(csv) {
  const marker = `--insitu-scale-run=${process.pid}-${Date.now()}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--enable-precise-memory-info', marker,
      ...(process.env.SCALE_CHROMIUM_ARGS || '').split(' ').filter(Boolean)],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const done = (timeout) => page.waitForFunction(() => {
      const s = document.getElementById('status');
      return s && (s.textContent.startsWith('Analysed') || s.classList.contains('error'))
        && (s.classList.contains('error') || document.getElementById('table1'));
    }, null, { timeout, polling: 'raf' });
    await page.goto(origin);
    await done(60000); // the demo
    if (withSpec) {
      const spec = csv.replace(/\.csv$/, '.spec.json');
      await page.setInputFiles('#spec-file', spec);
      await page.waitForFunction(() => document.getElementById('status').textContent.includes('loaded'));
    }
    await page.evaluate(() => {
      window.__scaleStatus = document.getElementById('status').textContent;
      document.getElementById('data-file').addEventListener('change', () => {
        window.__scaleStart = performance.now();
      }, { once: true });
    });
    // the demo's status must be replaced before we can wait for "Analysed"
    await page.evaluate(() => { document.getElementById('status').textContent = ''; });
    const cpuBefore = rendererCpuSeconds(marker);
    await page.setInputFiles('#data-file', csv);
    await done(TIMEOUT_MS);
    const cpu = rendererCpuSeconds(marker) - cpuBefore;
    const { ms, status, figures } = await page.evaluate(() => ({
      ms: performance.now() - window.__scaleStart,
      status: document.getElementById('status').textContent,
      figures: document.querySelectorAll('svg.km-plot').length,
    }));
    if (!status.startsWith('Analysed')) throw new Error(`${path.basename(csv)}: ${status} ${errors.join('; ')}`);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? NaN;
    return { seconds: ms / 1000, cpu, peakKb: rendererPeakKb(marker), heapBytes: heap, figures };
  } finally {
    await browser.close();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

try {
  for (const csv of files) {
    const results = [];
    for (let k = 0; k < runs; k += 1) {
      const r = await run(csv);
      console.error(`chromium ${path.basename(csv)} run ${k + 1}/${runs}: ${r.seconds.toFixed(3)} s `
        + `(renderer CPU ${r.cpu.toFixed(2)} s), `
        + `renderer peak ${(r.peakKb / 1024).toFixed(0)} MiB, JS heap ${(r.heapBytes / 2 ** 20).toFixed(1)} MiB, `
        + `${r.figures} KM figure(s)`);
      results.push(r);
    }
    const seconds = median(results.map((r) => r.seconds));
    const cpu = median(results.map((r) => r.cpu));
    const peak = Math.max(...results.map((r) => r.peakKb)) / 1024;
    const heap = median(results.map((r) => r.heapBytes)) / 2 ** 20;
    const fmt = (s) => (s < 10 ? s.toFixed(3) : s.toFixed(1));
    console.log([csv, fmt(seconds), fmt(cpu), peak.toFixed(0), heap.toFixed(1)].join('\t'));
  }
} finally {
  server.close();
}
