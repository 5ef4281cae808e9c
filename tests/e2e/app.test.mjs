// End-to-end test of the Insitu web app in Debian's headless Chromium.
//
// Serves dist/ on 127.0.0.1, opens the app, checks the demo, loads the lung
// data set and its spec through the file inputs, compares Table 1, the
// figures, a changed setting and every export with the native CLI, loads a
// malformed file, and records every request: only the app's own files, and
// nothing at all after the data are loaded. Writes a screenshot to
// tests/artifacts/screenshot.png (the README's picture is a copy of it).
//
// Needs: dist/ (scripts/build-app), target/release/insitu, INSITU_REFERENCE.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveDir } from './serve.mjs';
import { readZip, writeXlsx } from './zip.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const dist = path.join(root, 'dist');
const reference = process.env.INSITU_REFERENCE || path.resolve(root, '../shared/reference');
const datasets = path.join(reference, 'datasets');
const insitu = process.env.INSITU_BIN || path.join(root, 'target/release/insitu');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'insitu-e2e-'));

let failures = 0;
let currentStep = '';
async function step(name, fn) {
  const start = Date.now();
  currentStep = name;
  try {
    await fn();
    console.log(`ok   ${name} (${Date.now() - start} ms)`);
  } catch (error) {
    failures += 1;
    console.log(`FAIL ${name}\n     ${String(error.stack || error).split('\n').join('\n     ')}`);
  }
}

/** The CLI's output for a spec in the reference datasets folder. */
function cli(args, cwd = datasets) {
  return execFileSync(insitu, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'] });
}

// dist/ served under a sub-folder (/app/), as on a hospital intranet: the
// app must use relative URLs only.
const { server, origin } = await serveDir(dist, '/app/');
const ownFiles = new Set(['/app/', '/app/index.html',
  ...fs.readdirSync(dist, { recursive: true }).map((f) => '/app/' + f.split(path.sep).join('/'))]);

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'insitu-profile-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  acceptDownloads: true,
  viewport: { width: 1280, height: 900 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1'],
});
await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });

const requests = [];
const consoleErrors = [];
context.on('request', (r) => requests.push({ url: r.url(), at: Date.now() }));
const page = context.pages()[0] || (await context.newPage());
page.on('websocket', (ws) => requests.push({ url: ws.url(), at: Date.now(), websocket: true }));
page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${currentStep}: ${m.text()}`); });
page.on('pageerror', (e) => consoleErrors.push(`${currentStep}: ${e.message}`));

const waitForAnalysis = async () => {
  await page.waitForFunction(() => {
    const s = document.getElementById('status');
    return s && (s.textContent.startsWith('Analysed') || s.classList.contains('error'));
  }, null, { timeout: 60000 });
  const status = await page.textContent('#status');
  assert.ok(status.startsWith('Analysed'), `analysis failed: ${status}`);
};

/** Cell texts of a table: rows of [header, cells...]. */
const cellsOf = (selector) => page.$$eval(`${selector} tr`, (rows) =>
  rows.map((r) => Array.from(r.children).map((c) => c.textContent.trim())));

/** The same for an HTML string rendered by the CLI. */
const cellsOfHtml = (page_) => page.evaluate((html) => {
  const box = document.createElement('div');
  box.innerHTML = html;
  return Array.from(box.querySelectorAll('#table1 tr')).map((r) =>
    Array.from(r.children).map((c) => c.textContent.trim()));
}, page_.slice(page_.indexOf('<table id="table1"'), page_.indexOf('</table>') + 8));

// The page computes in WebAssembly, whose math library (a port of musl's
// libm) and the native one (glibc) may differ in the last bits of exp, log
// and pow; full-precision numbers are therefore compared to this relative
// tolerance, everything shown (Table 1, exports as text) exactly.
const PLATFORM_REL = 1e-12;
let maxRelativeDifference = 0;

/** Deep equality with numbers within PLATFORM_REL; returns differing paths. */
function sameReport(actual, expected, where = '', out = []) {
  if (typeof expected === 'number' && typeof actual === 'number') {
    const rel = expected === 0 ? Math.abs(actual) : Math.abs(actual - expected) / Math.abs(expected);
    maxRelativeDifference = Math.max(maxRelativeDifference, rel);
    if (!(rel <= PLATFORM_REL)) out.push(`${where}: ${actual} vs ${expected}`);
  } else if (Array.isArray(expected) || (expected && typeof expected === 'object')) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual) !== Array.isArray(expected)) {
      out.push(`${where}: shape differs`);
    } else {
      const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
      for (const k of keys) sameReport(actual[k], expected[k], Array.isArray(expected) ? `${where}[${k}]` : `${where}.${k}`, out);
    }
  } else if (actual !== expected) {
    out.push(`${where}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`);
  }
  return out;
}

async function download(action, extra = '') {
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.click(`button[data-action="${action}"]${extra}`),
  ]);
  const target = path.join(scratch, file.suggestedFilename());
  await file.saveAs(target);
  return target;
}

async function setFile(selector, file) {
  await page.setInputFiles(selector, file);
}

await step('the demo opens already analysed, labelled synthetic', async () => {
  await page.goto(origin + '/app/');
  await waitForAnalysis();
  const dataset = await page.textContent('#dataset');
  assert.match(dataset, /synthetic/);
  const headers = await page.$$eval('#table1 thead th', (h) => h.map((x) => x.textContent));
  assert.deepEqual(headers, ['', 'LFA (n = 96)', 'M1 (n = 164)', 'P']);
  assert.match(await page.textContent('#privacy'), /nothing is uploaded/);
  const demo = JSON.parse(cli(['analyze', '--demo']));
  const cliCells = await cellsOfHtml(cli(['analyze', '--demo', '--format', 'html']));
  assert.deepEqual(await cellsOf('#table1'), cliCells);
  assert.equal(demo.groups[0].n, 96);
});

let dataLoadedAt = 0;
await step('lung.csv with its spec through the file inputs: Table 1 equals the CLI', async () => {
  await setFile('#spec-file', path.join(datasets, 'lung.spec.json'));
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('Spec lung.spec.json loaded'));
  dataLoadedAt = Date.now();
  await setFile('#data-file', path.join(datasets, 'lung.csv'));
  await waitForAnalysis();
  const cliCells = await cellsOfHtml(cli(['analyze', 'lung.spec.json', '--format', 'html']));
  assert.deepEqual(await cellsOf('#table1'), cliCells);
  assert.match(await page.textContent('#detected-delimiter'), /,/);
});

await step('one KM figure per endpoint, one curve per group', async () => {
  const report = JSON.parse(cli(['analyze', 'lung.spec.json']));
  const figures = await page.$$('svg.km-plot');
  assert.equal(figures.length, report.survival.length);
  for (const [k, figure] of figures.entries()) {
    const curves = await figure.$$('path.km-curve');
    assert.equal(curves.length, report.survival[k].km.length);
  }
  const cliSvg = cli(['analyze', 'lung.spec.json', '--format', 'svg']);
  const pageSvg = await page.$eval('svg.km-plot', (s) => s.outerHTML);
  // same curve geometry as the CLI's figure
  const curvesOf = (svg) => [...svg.matchAll(/class="km-curve"[^>]* d="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(curvesOf(pageSvg), curvesOf(cliSvg));
  // toggles (the worker redraws): no CI bands, no risk table, then back
  const count = (selector) => page.$$eval(selector, (p) => p.length);
  const until = (selector, test) => page.waitForFunction(
    ([sel, want]) => (want ? document.querySelectorAll(sel).length > 0 : document.querySelectorAll(sel).length === 0),
    [selector, test], { timeout: 30000 });
  await page.uncheck('#toggle-ci');
  await until('svg.km-plot polygon.ci-band', false);
  await page.uncheck('#toggle-risk');
  await until('svg.km-plot g.risk-table', false);
  assert.equal(await count('svg.km-plot polygon.ci-band'), 0, 'the bands stay off');
  await page.check('#toggle-ci');
  await until('svg.km-plot polygon.ci-band', true);
  await page.check('#toggle-risk');
  await until('svg.km-plot g.risk-table', true);
  assert.ok((await count('svg.km-plot polygon.ci-band')) > 0);
});

await step('every export is made in the page and matches the CLI', async () => {
  const csv = fs.readFileSync(await download('export-table1-csv'), 'utf8');
  assert.equal(csv, cli(['analyze', 'lung.spec.json', '--format', 'csv']).replace(/\n$/, '') + '\n');
  const md = fs.readFileSync(await download('export-table1-md'), 'utf8');
  assert.equal(md.trimEnd(), cli(['analyze', 'lung.spec.json', '--format', 'md']).trimEnd());
  const html = fs.readFileSync(await download('export-table1-html'), 'utf8');
  assert.equal(html.trimEnd(), cli(['analyze', 'lung.spec.json', '--format', 'html']).trimEnd());
  const json = JSON.parse(fs.readFileSync(await download('export-json'), 'utf8'));
  assert.deepEqual(sameReport(json, JSON.parse(cli(['analyze', 'lung.spec.json']))), []);
  console.log(`     largest relative difference page vs CLI over the full report ${maxRelativeDifference.toExponential(2)}`);
  // the saved spec runs unchanged in the CLI and gives the same report
  const specFile = await download('export-spec');
  fs.copyFileSync(path.join(datasets, 'lung.csv'), path.join(scratch, 'lung.csv'));
  const fromSpec = JSON.parse(cli(['analyze', path.basename(specFile)], scratch));
  assert.deepEqual(fromSpec.table1, json.table1);
  assert.deepEqual(sameReport(fromSpec.survival, json.survival), []);
  const svg = fs.readFileSync(await download('export-svg', '[data-index="0"]'), 'utf8');
  assert.ok(svg.startsWith('<svg') && svg.includes('Number at risk'));
  const png = fs.readFileSync(await download('export-png', '[data-index="0"]'));
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10]);
  assert.equal(png.subarray(37, 41).toString('latin1'), 'pHYs');
  assert.equal(png.readUInt32BE(41), 11811, '300 dpi in pixels per metre');
  assert.ok(png.readUInt32BE(16) >= 2300, `PNG width ${png.readUInt32BE(16)} at 300 dpi`);
  await page.click('button[data-action="copy-word"]');
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('copied'));
  const clipboardHtml = await page.evaluate(async () => {
    // unsanitized: read the HTML as stored, without parsing it in the page
    const [item] = await navigator.clipboard.read({ unsanitized: ['text/html'] });
    return (await item.getType('text/html')).text();
  });
  assert.match(clipboardHtml, /<table/);
  assert.match(clipboardHtml, /border-top:1.5pt solid/);
  assert.match(clipboardHtml, /male \(n = 138\)/);
});

await step('a changed convention re-computes as the CLI says', async () => {
  await page.$eval('#setup', (d) => { d.open = true; });
  await page.selectOption('#opt-preset', 'sas');
  await waitForAnalysis();
  const cliCells = await cellsOfHtml(cli(['analyze', 'lung.spec.json', '--preset', 'sas', '--format', 'html']));
  const pageCells = await cellsOf('#table1');
  assert.deepEqual(pageCells, cliCells);
  const rCells = await cellsOfHtml(cli(['analyze', 'lung.spec.json', '--format', 'html']));
  assert.notDeepEqual(pageCells, rCells, 'the SAS preset should change quartiles or P values');
  assert.match(await page.textContent('#table1 tfoot'), /type 2/);
});

await step('nothing left the page: only its own files, none after the data were loaded', async () => {
  const foreign = requests.filter((r) => !r.url.startsWith(origin + '/') && !r.url.startsWith('blob:') && !r.url.startsWith('data:'));
  assert.deepEqual(foreign, [], 'requests to other hosts');
  const unknown = requests.filter((r) => r.url.startsWith(origin) && !ownFiles.has(new URL(r.url).pathname));
  assert.deepEqual(unknown, [], 'requests for files that are not the app');
  const after = requests.filter((r) => r.at >= dataLoadedAt && !r.url.startsWith('blob:') && !r.url.startsWith('data:'));
  assert.deepEqual(after, [], 'network requests after the data were loaded');
  assert.equal(requests.filter((r) => r.websocket).length, 0, 'websockets');
  const storage = await page.evaluate(async () => ({
    local: localStorage.length,
    session: sessionStorage.length,
    cookie: document.cookie,
    idb: (await indexedDB.databases()).length,
    caches: (await caches.keys()).length,
  }));
  assert.deepEqual(storage, { local: 0, session: 0, cookie: '', idb: 0, caches: 0 });
  const csp = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.content);
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
});

await step('an Excel-style file: semicolons, decimal commas, Windows-1252 accents', async () => {
  const file = path.join(scratch, 'excel.csv');
  const rows = ['groep;leeftijd;geslacht;tijd;status'];
  const sexes = ['man', 'vrouw', 'onbekend/Bézier'];
  for (let i = 0; i < 40; i += 1) {
    rows.push(`${i % 2 ? 'Ré' : 'Contrôle'};${50 + (i % 17)},${i % 10};${sexes[i % 3]};${3 + i},5;${i % 3 === 0 ? 0 : 1}`);
  }
  fs.writeFileSync(file, Buffer.from(rows.join('\r\n') + '\r\n', 'latin1'));
  await setFile('#data-file', file);
  await waitForAnalysis();
  assert.equal(await page.textContent('#detected-delimiter'), ';');
  assert.equal(await page.textContent('#detected-decimal'), 'comma');
  assert.equal(await page.textContent('#detected-encoding'), 'Windows-1252');
  const headers = await page.$$eval('#table1 thead th', (h) => h.map((x) => x.textContent));
  assert.deepEqual(headers, ['', 'Contrôle (n = 20)', 'Ré (n = 20)', 'P']);
  assert.match(await page.textContent('#table1'), /onbekend\/Bézier/);
  assert.match(await page.textContent('#table1'), /leeftijd, median \(i\.q\.r\.\)/);
  // the encoding can be overridden: read as UTF-8 it is refused with a clear message
  await page.$eval('#setup', (d) => { d.open = true; });
  await page.selectOption('#opt-encoding', 'utf8');
  await page.waitForSelector('#status.error');
  assert.match(await page.textContent('#error-message'), /not valid UTF-8.*offset/);
  await page.selectOption('#opt-encoding', 'windows1252');
  await waitForAnalysis();
});

await step('a malformed file gives a readable message naming line and column', async () => {
  const bad = path.join(scratch, 'broken.csv');
  fs.writeFileSync(bad, 'sex,age,time,status\nmale,60,100,1\nfemale,61\n');
  await setFile('#data-file', bad);
  await page.waitForSelector('#status.error');
  const message = await page.textContent('#error-message');
  assert.match(message, /broken\.csv/);
  assert.match(message, /line 3/);
  // the page is still alive: the demo comes back
  await page.click('button[data-action="demo"]');
  await waitForAnalysis();
});

await step('a large CSV is read as it arrives: progress shown, Table 1 equal to the CLI', async () => {
  // the demo cohort repeated to 5 MB: streamed into the module in the
  // browser's chunks, the page told how far the reading is
  const demoCsv = fs.readFileSync(path.join(dist, 'paper_lfa_m1.csv'), 'utf8');
  const [header, ...rows] = demoCsv.trimEnd().split(/\r?\n/);
  const copies = Math.ceil(5e6 / demoCsv.length);
  const big = path.join(scratch, 'demo_repeated.csv');
  fs.writeFileSync(big, header + '\n' + (rows.join('\n') + '\n').repeat(copies));
  const spec = JSON.parse(fs.readFileSync(path.join(dist, 'paper_lfa_m1.table1.spec.json'), 'utf8'));
  delete spec.n_rows; // the demo's row count
  spec.csv = 'demo_repeated.csv';
  const specPath = path.join(scratch, 'demo_repeated.spec.json');
  fs.writeFileSync(specPath, JSON.stringify(spec));
  await setFile('#spec-file', specPath);
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('Spec demo_repeated.spec.json loaded'));
  await page.evaluate(() => {
    window.progressSeen = [];
    const status = document.getElementById('status');
    new MutationObserver(() => {
      const shown = status.textContent.match(/Reading the file… (\d+) % of 5 MB/);
      if (shown && status.querySelector('progress[max][value]')) window.progressSeen.push(Number(shown[1]));
    }).observe(status, { childList: true, subtree: true, characterData: true });
  });
  await setFile('#data-file', big);
  await waitForAnalysis();
  const seen = await page.evaluate(() => window.progressSeen);
  // once per chunk the browser gives (Chromium's are about 1 MB), at most
  // once per 1 %
  assert.ok(seen.length >= 2, `progress shown ${seen.length} times`);
  assert.ok(seen.every((p, k) => k === 0 || p >= seen[k - 1]), `progress went back: ${seen}`);
  assert.ok(seen.at(-1) >= 90, `progress reached ${seen.at(-1)} %`);
  const headers = await page.$$eval('#table1 thead th', (h) => h.map((x) => x.textContent));
  assert.deepEqual(headers, ['', `LFA (n = ${96 * copies})`, `M1 (n = ${164 * copies})`, 'P']);
  const cliCells = await cellsOfHtml(cli(['analyze', specPath, '--format', 'html'], scratch));
  assert.deepEqual(await cellsOf('#table1'), cliCells);
  // another file asked for while one streams: the newer one is read and
  // analysed, with nothing of the first
  const small = path.join(scratch, 'demo_once.csv');
  fs.writeFileSync(small, header + '\n' + rows.join('\n') + '\n');
  await page.evaluate(() => { document.getElementById('status').textContent = ''; });
  await setFile('#data-file', big);
  await setFile('#data-file', small);
  await waitForAnalysis();
  const once = await page.$$eval('#table1 thead th', (h) => h.map((x) => x.textContent));
  assert.deepEqual(once, ['', 'LFA (n = 96)', 'M1 (n = 164)', 'P']);
  assert.match(await page.textContent('#dataset'), /demo_once\.csv/);
  // back to the demo, as the next steps expect
  await page.click('button[data-action="demo"]');
  await waitForAnalysis();
});

await step('an .xlsx with date cells: read by the extras module on demand, equal to the CLI', async () => {
  // lung with its survival times turned into start and end dates (Excel
  // date cells, shown dd-mm-yyyy), ECOG with empty cells
  const lines = fs.readFileSync(path.join(datasets, 'lung.csv'), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const at = (fields, name) => fields[header.indexOf(name)];
  const rows = [['sex', 'age', 'ph_ecog', 'start', 'end', 'os_event']];
  lines.slice(1).forEach((line, i) => {
    const f = line.split(',');
    const start = 39448 + 3 * i; // 2008-01-01 onwards
    const ecog = at(f, 'ph_ecog');
    rows.push([at(f, 'sex'), Number(at(f, 'age')), ecog === '' ? null : Number(ecog),
      { date: start }, { date: start + Number(at(f, 'os_days')) }, Number(at(f, 'os_event'))]);
  });
  fs.writeFileSync(path.join(scratch, 'lung-dates.xlsx'), writeXlsx(rows));
  const spec = {
    name: 'lung-dates',
    csv: 'lung-dates.xlsx',
    group: { column: 'sex', levels: ['male', 'female'] },
    variables: [
      { name: 'age', kind: 'continuous', label: 'Age (years)' },
      { name: 'ph_ecog', kind: 'categorical', label: 'ECOG performance score', levels: ['0', '1', '2', '3'] },
    ],
    endpoints: [{ name: 'OS', start_date: 'start', end_date: 'end', event: 'os_event', time_unit: 'days', landmark_times: [365] }],
  };
  fs.writeFileSync(path.join(scratch, 'lung-dates.spec.json'), JSON.stringify(spec, null, 2));
  const extrasRequests = () => requests.filter((r) => r.url.includes('/extras/')).length;
  assert.equal(extrasRequests(), 0, 'the extras module is not loaded before it is needed');
  await setFile('#spec-file', path.join(scratch, 'lung-dates.spec.json'));
  await page.waitForFunction(() => document.getElementById('status').textContent.includes('lung-dates.spec.json loaded'));
  await setFile('#data-file', path.join(scratch, 'lung-dates.xlsx'));
  await waitForAnalysis();
  assert.ok(extrasRequests() > 0, 'the extras module was loaded for the spreadsheet');
  const cliCells = await cellsOfHtml(cli(['analyze', 'lung-dates.spec.json', '--format', 'html'], scratch));
  assert.deepEqual(await cellsOf('#table1'), cliCells);
  assert.match(await page.textContent('#table1'), /male \(n = 138\)/);
  const json = JSON.parse(fs.readFileSync(await download('export-json'), 'utf8'));
  assert.deepEqual(sameReport(json, JSON.parse(cli(['analyze', 'lung-dates.spec.json'], scratch))), []);
  // the dates give lung's times exactly: the same curve as the CLI on lung.csv
  const lung = JSON.parse(cli(['analyze', 'lung.spec.json'])).survival[0];
  assert.deepEqual(sameReport(json.survival[0].km.map((g) => g.table), lung.km.map((g) => g.table)), []);
  assert.deepEqual(sameReport(json.survival[0].logrank, lung.logrank), []);
  assert.match(await page.innerHTML('#preview'), /id="opt-sheet"/);
});

await step('Table 1 as .docx from the page: a real Word table, equal to the CLI\'s', async () => {
  const docx = fs.readFileSync(await download('export-table1-docx'));
  const xml = readZip(docx)['word/document.xml'].toString('utf8');
  const cliDocx = execFileSync(insitu, ['analyze', 'lung-dates.spec.json', '--format', 'docx'], { cwd: scratch, maxBuffer: 64 << 20 });
  const cliXml = readZip(cliDocx)['word/document.xml'].toString('utf8');
  assert.equal(xml, cliXml);
  assert.match(xml, /<w:tbl>/);
  const text = [...xml.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('|');
  for (const cell of ['male (n = 138)', 'female (n = 90)', 'Age (years)', 'ECOG performance score']) {
    assert.ok(text.includes(cell), `the .docx lacks "${cell}"`);
  }
});

await step('endpoints from dates set in the page: start/end dates give lung\'s times; a composite "first of progression or death" equals its times computed by hand', async () => {
  // lung again as an .xlsx of date cells, now with a progression date (every
  // other death, 60 % of the way), a death date and a last follow-up date
  const lines = fs.readFileSync(path.join(datasets, 'lung.csv'), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const at = (fields, name) => fields[header.indexOf(name)];
  const rows = [['sex', 'age', 'start', 'end', 'os_event', 'progression', 'death', 'last_seen']];
  const pfs = ['sex,pfs_days,pfs_event'];
  lines.slice(1).forEach((line, i) => {
    const f = line.split(',');
    const start = 39448 + 3 * i;
    const days = Number(at(f, 'os_days'));
    const died = Number(at(f, 'os_event')) === 1;
    const progressed = died && i % 2 === 0 ? Math.floor(days * 0.6) : null;
    rows.push([at(f, 'sex'), Number(at(f, 'age')), { date: start }, { date: start + days }, Number(at(f, 'os_event')),
      progressed === null ? null : { date: start + progressed }, died ? { date: start + days } : null, { date: start + days }]);
    pfs.push(`${at(f, 'sex')},${progressed ?? days},${died ? 1 : 0}`);
  });
  fs.writeFileSync(path.join(scratch, 'lung-events.xlsx'), writeXlsx(rows));
  fs.writeFileSync(path.join(scratch, 'lung-pfs.csv'), pfs.join('\n') + '\n');
  await setFile('#data-file', path.join(scratch, 'lung-events.xlsx'));
  await waitForAnalysis();
  await page.$eval('#setup', (d) => { d.open = true; });
  const edited = async (act) => { await act(); await waitForAnalysis(); };
  const choose = (selector, value) => edited(() => page.selectOption(selector, value));
  await choose('#group-select', 'sex');
  while ((await page.$$('.endpoint')).length > 0) {
    await edited(() => page.click('.endpoint[data-index="0"] button[data-action="endpoint-remove"]'));
  }
  const ep = (k, rest) => `.endpoint[data-index="${k}"] ${rest}`;
  await edited(() => page.click('button[data-action="endpoint-add"]'));
  await page.fill(ep(0, 'input[data-field="ep-name"]'), 'OS');
  await edited(() => page.press(ep(0, 'input[data-field="ep-name"]'), 'Tab'));
  await choose(ep(0, 'select[data-field="ep-mode"]'), 'dates-end');
  await choose(ep(0, 'select[data-field="ep-start"]'), 'start');
  await choose(ep(0, 'select[data-field="ep-end"]'), 'end');
  await choose(ep(0, 'select[data-field="ep-event"]'), 'os_event');
  await choose(ep(0, 'select[data-field="ep-unit"]'), 'days');
  await edited(() => page.click('button[data-action="endpoint-add"]'));
  await page.fill(ep(1, 'input[data-field="ep-name"]'), 'PFS');
  await edited(() => page.press(ep(1, 'input[data-field="ep-name"]'), 'Tab'));
  await choose(ep(1, 'select[data-field="ep-mode"]'), 'first-dates');
  await choose(ep(1, 'select[data-field="ep-start"]'), 'start');
  await choose(ep(1, '[data-component="0"][data-field="comp-date"]'), 'progression');
  await choose(ep(1, '[data-component="1"][data-field="comp-date"]'), 'death');
  await choose(ep(1, 'select[data-field="ep-last"]'), 'last_seen');
  await choose(ep(1, 'select[data-field="ep-unit"]'), 'days');
  assert.equal(await page.$$eval('svg.km-plot', (s) => s.length), 2, 'two endpoints once their columns are chosen');

  const json = JSON.parse(fs.readFileSync(await download('export-json'), 'utf8'));
  // OS from the dates = lung's OS (whose spec orders the groups male, female)
  const lung = JSON.parse(cli(['analyze', 'lung.spec.json'])).survival[0];
  const byGroup = (items) => [...items].sort((a, b) => a.group.localeCompare(b.group));
  const curves = (km) => byGroup(km).map(({ group, n, events, median, table }) => ({ group, n, events, median, table }));
  assert.deepEqual(sameReport(curves(json.survival[0].km), curves(lung.km)), []);
  assert.deepEqual(sameReport([json.survival[0].logrank.chisq, json.survival[0].logrank.p], [lung.logrank.chisq, lung.logrank.p]), []);
  assert.deepEqual(sameReport(byGroup(json.survival[0].logrank.by_group), byGroup(lung.logrank.by_group)), []);
  // PFS = the first of progression or death, else censored at the last follow-up
  const pfsSpec = { group: { column: 'sex' }, variables: [], endpoints: [{ name: 'PFS', time: 'pfs_days', event: 'pfs_event', time_unit: 'days' }] };
  fs.writeFileSync(path.join(scratch, 'lung-pfs.spec.json'), JSON.stringify({ ...pfsSpec, csv: 'lung-pfs.csv' }));
  const byHand = JSON.parse(cli(['analyze', 'lung-pfs.spec.json'], scratch)).survival[0];
  assert.deepEqual(sameReport(json.survival[1].km.map((g) => g.table), byHand.km.map((g) => g.table)), []);
  assert.deepEqual(sameReport(json.survival[1].logrank, byHand.logrank), []);
  // the saved spec names the dates and runs in the CLI with the same result
  const saved = JSON.parse(fs.readFileSync(await download('export-spec'), 'utf8'));
  assert.deepEqual(saved.endpoints[0], { name: 'OS', event: 'os_event', start_date: 'start', end_date: 'end', time_unit: 'days' });
  assert.deepEqual(saved.endpoints[1].components, [{ name: 'progression', date: 'progression' }, { name: 'death', date: 'death' }]);
  assert.equal(saved.endpoints[1].last_followup_date, 'last_seen');
  fs.writeFileSync(path.join(scratch, 'lung-events.spec.json'), JSON.stringify({ ...saved, csv: 'lung-events.xlsx' }));
  assert.deepEqual(sameReport(json.survival, JSON.parse(cli(['analyze', 'lung-events.spec.json'], scratch)).survival), []);
});

await step('multicentre: two centres save audited summaries, the merge equals insitu aggregate + merge', async () => {
  // lung split by institution parity into two "hospitals"
  const lines = fs.readFileSync(path.join(datasets, 'lung.csv'), 'utf8').trim().split('\n');
  const inst = lines[0].split(',').indexOf('inst');
  const spec = JSON.parse(fs.readFileSync(path.join(datasets, 'lung.spec.json'), 'utf8'));
  delete spec.n_rows;
  const centres = [['North', (k) => k % 2 === 1], ['South', (k) => k % 2 === 0]];
  const saved = [];
  for (const [centre, keep] of centres) {
    const rows = lines.slice(1).filter((l) => keep(Number(l.split(',')[inst] || 0)));
    fs.writeFileSync(path.join(scratch, `lung-${centre}.csv`), [lines[0], ...rows].join('\n') + '\n');
    fs.writeFileSync(path.join(scratch, `lung-${centre}.spec.json`), JSON.stringify({ ...spec, csv: `lung-${centre}.csv` }, null, 2));
    // (a spec loaded while a data file is open applies to that file: start from the demo)
    await page.click('button[data-action="demo"]');
    await waitForAnalysis();
    await setFile('#spec-file', path.join(scratch, `lung-${centre}.spec.json`));
    await page.waitForFunction((n) => document.getElementById('status').textContent.includes(`${n} loaded`), `lung-${centre}.spec.json`);
    await setFile('#data-file', path.join(scratch, `lung-${centre}.csv`));
    await waitForAnalysis();
    await page.$eval('#multicentre', (d) => { d.open = true; });
    await page.fill('#mc-centre', centre);
    await page.click('button[data-action="mc-prepare"]');
    await page.waitForSelector('#mc-audit-box:not([hidden])');
    const audit = await page.textContent('#mc-audit');
    assert.match(audit, new RegExp(centre));
    assert.match(audit, /male/);
    const file = await download('mc-save');
    assert.equal(path.basename(file), `${centre}.summary.json`);
    const summary = JSON.parse(fs.readFileSync(file, 'utf8'));
    // the same file as the CLI writes from the same data
    const cliFile = path.join(scratch, `cli-${centre}.json`);
    cli(['aggregate', `lung-${centre}.spec.json`, '--centre', centre, '--out', cliFile], scratch);
    assert.deepEqual(summary, JSON.parse(fs.readFileSync(cliFile, 'utf8')));
    // no patient row in it: no column of the data file holds its values
    assert.ok(!JSON.stringify(summary).includes('"os_days":'));
    saved.push(path.basename(file));
  }
  await setFile('#mc-files', saved.map((f) => path.join(scratch, f)));
  await page.waitForFunction(() => document.getElementById('status').textContent.startsWith('Merged 2 centre summaries'), null, { timeout: 60000 });
  const cliHtml = cli(['merge', ...saved, '--format', 'html'], scratch);
  assert.deepEqual(await cellsOf('#table1'), await cellsOfHtml(cliHtml));
  assert.match(await page.textContent('#results'), /Multicentre summary/);
  assert.equal(await page.$$eval('svg.km-plot', (s) => s.length), JSON.parse(cli(['merge', ...saved], scratch)).survival.length);
  const merged = JSON.parse(fs.readFileSync(await download('export-json'), 'utf8'));
  assert.deepEqual(sameReport(merged, JSON.parse(cli(['merge', ...saved], scratch))), []);
});

await step('Table 1 rows set in the page (ratio, "yes" only, merged levels, subset rows, mean (s.d.), a cut point, layout, a filter) equal the CLI with the saved spec', async () => {
  const demoCsv = path.join(root, 'crates/insitu-core/data/paper_lfa_m1.csv');
  await setFile('#data-file', demoCsv);
  await waitForAnalysis();
  await page.$eval('#setup', (d) => { d.open = true; });
  const row = (name) => `#variables tr[data-column="${name}"]`;
  const options = (name) => `details.row-options[data-column="${name}"]`;
  // every edit re-renders the choices and re-runs the analysis
  const edited = async (act) => { await act(); await waitForAnalysis(); };
  const choose = (selector, value) => edited(() => page.selectOption(selector, value));
  const type = (selector, value) => edited(async () => {
    await page.fill(selector, value);
    await page.press(selector, 'Tab'); // the browser sends `change` as the field loses focus
  });
  const open = (name) => page.$eval(options(name), (d) => { d.open = true; });
  await choose('#group-select', 'group');
  for (const name of ['age', 'sex', 'comorbidity', 'lm_distribution', 'treatment_weeks', 'hospital_stay_days']) {
    if (!(await page.isChecked(`${row(name)} input[data-field="var-include"]`))) {
      await edited(() => page.check(`${row(name)} input[data-field="var-include"]`));
    }
  }
  await open('sex');
  await type(`${options('sex')} input[data-field="var-levels"]`, 'M, F');
  await choose(`${options('sex')} select[data-field="var-display"]`, 'ratio');
  assert.ok(await page.$eval(options('sex'), (d) => d.open), 'the options stay open after an edit');
  await type(`${row('sex')} input[data-field="var-label"]`, 'Sex ratio (M : F)');
  await open('comorbidity');
  await type(`${options('comorbidity')} input[data-field="var-levels"]`, 'no, yes');
  await type(`${options('comorbidity')} input[data-field="var-show"]`, 'yes');
  await open('lm_distribution');
  await type(`${options('lm_distribution')} input[data-field="var-merge"]`, 'Unilobar = unilobar; Bilobar = bilobar');
  await type(`${options('lm_distribution')} input[data-field="var-levels"]`, 'Unilobar, Bilobar');
  for (const name of ['treatment_weeks', 'hospital_stay_days']) {
    await open(name);
    await choose(`${options(name)} select[data-field="var-where-column"]`, 'treatment_completed');
    await type(`${options(name)} input[data-field="var-where-value"]`, 'yes');
  }
  await type(`${options('treatment_weeks')} input[data-field="var-decimals"]`, '1');
  await choose(`${options('hospital_stay_days')} select[data-field="var-display"]`, 'mean_sd');
  await open('age');
  await edited(() => page.click(`${options('age')} button[data-action="var-another"]`));
  await open('age (2)');
  await type(`${options('age (2)')} input[data-field="var-bin"]`, '70');
  await type(`${row('age (2)')} input[data-field="var-label"]`, 'Age ≥ 70 years');

  // the demo's published rows, from the page's own controls
  const table = await cellsOf('#table1');
  const byLabel = (start) => table.find((r) => r[0].startsWith(start));
  assert.deepEqual(byLabel('Sex ratio (M : F)').slice(1, 3), ['67 : 29', '116 : 48']);
  assert.match(byLabel('Sex ratio (M : F)')[3], /^0\.873/);
  assert.deepEqual(byLabel('hospital_stay_days').slice(1, 3), ['19.2 (8.2)', '18.2 (11.8)'], 'mean (s.d.) of those who completed');
  assert.match(byLabel('hospital_stay_days')[0], /if treatment_completed = yes/);
  assert.match(byLabel('hospital_stay_days')[3], /^0\.045/);
  // the same cells as the demo's spec (written by hand) gives
  const demoRows = JSON.parse(cli(['analyze', '--demo'])).table1.rows;
  const demoCells = (label) => demoRows.find((r) => r.label === label).cells;
  assert.deepEqual(byLabel('comorbidity').slice(1, 3), demoCells('Co-morbidity'), 'only "yes", in the row itself');
  const afterComorbidity = table[table.findIndex((r) => r[0].startsWith('comorbidity')) + 1][0];
  assert.ok(!['no', 'yes'].includes(afterComorbidity), 'no level rows under it');
  assert.deepEqual(table.find((r) => r[0] === 'Bilobar').slice(1, 3), demoCells('Bilobar'), 'merged levels');
  assert.ok(!table.some((r) => r[0] === 'bilobar'));
  assert.deepEqual(byLabel('treatment_weeks').slice(1, 3),
    demoCells('Treatment duration if scheme completed (weeks), median (i.q.r.)'));
  assert.ok(table.some((r) => r[0] === '≥ 70') && table.some((r) => r[0] === '< 70'), 'age cut at 70');
  assert.ok(byLabel('Age ≥ 70 years'));

  // the layout: Overall, Missing rows, SMD, NEJM P values, caption
  await edited(() => page.check('#t1-overall'));
  await edited(() => page.check('#t1-missing'));
  await edited(() => page.check('#t1-smd'));
  await choose('#t1-p-style', 'nejm');
  await type('#t1-caption', 'Table 1 Set in the page');
  const headers = await page.$$eval('#table1 thead th', (h) => h.map((x) => x.textContent));
  assert.deepEqual(headers, ['', 'LFA (n = 96)', 'M1 (n = 164)', 'Overall (n = 260)', 'SMD', 'P']);
  assert.match(await page.textContent('#table1 caption'), /Set in the page/);
  const withLayout = await cellsOf('#table1');
  assert.equal(withLayout.find((r) => r[0].startsWith('Sex ratio'))[5], '0.87*', 'NEJM: two decimals above 0.01');
  assert.ok(withLayout.some((r) => r[0] === 'Missing'), 'a Missing row');

  // and a filter on the whole analysis
  await choose('#filter-column', 'centre');
  await type('#filter-value', 'C1, C2, C3');
  const filtered = await page.$$eval('#table1 thead th', (h) => h.map((x) => x.textContent));
  assert.notDeepEqual(filtered, headers, 'the filter changes the group sizes');

  // the saved spec holds every choice and gives the CLI the page's Table 1
  const specFile = await download('export-spec');
  const saved = JSON.parse(fs.readFileSync(specFile, 'utf8'));
  const variable = (name) => saved.variables.find((v) => v.name === name);
  assert.equal(variable('sex').display, 'ratio');
  assert.deepEqual(variable('comorbidity').show_levels, ['yes']);
  assert.deepEqual(variable('lm_distribution').merge_levels, { Bilobar: ['bilobar'], Unilobar: ['unilobar'] });
  assert.deepEqual(variable('treatment_weeks').where, { column: 'treatment_completed', equals: 'yes' });
  assert.equal(variable('treatment_weeks').decimals, 1);
  assert.equal(variable('hospital_stay_days').display, 'mean_sd');
  assert.equal(variable('age (2)').column, 'age');
  assert.deepEqual(variable('age (2)').bin, { breaks: [70] });
  assert.deepEqual(saved.filter, [{ column: 'centre', equals: ['C1', 'C2', 'C3'] }]);
  assert.equal(saved.table1.p_style, 'nejm');
  assert.ok(saved.table1.overall_column && saved.table1.missing_row && saved.table1.smd);
  fs.copyFileSync(demoCsv, path.join(scratch, path.basename(demoCsv)));
  const cliCells = await cellsOfHtml(cli(['analyze', path.basename(specFile), '--format', 'html'], scratch));
  assert.deepEqual(await cellsOf('#table1'), cliCells);
  // back to numbers: the cut goes with the categories, the row is a median again
  await choose(`${row('age (2)')} select[data-field="var-kind"]`, 'continuous');
  const asNumbers = await cellsOf('#table1');
  assert.ok(!asNumbers.some((r) => r[0] === '≥ 70'), 'no cut left');
  assert.match(asNumbers.find((r) => r[0].startsWith('Age ≥ 70 years'))[0], /median \(i\.q\.r\.\)/);
  assert.equal(await page.inputValue(`${options('age (2)')} input[data-field="var-bin"]`), '');
});

await step('bad-input corpus files (12) show their errors readably (file, line, column, value)', async () => {
  const corpus = path.join(root, 'tests/corpus');
  const { cases } = JSON.parse(fs.readFileSync(path.join(corpus, 'expected.json'), 'utf8'));
  for (const name of ['ragged_short_row.csv', 'event_dead_alive.csv', 'crlf_line_ends_bad_value_line_5.csv',
    'missing_column.csv', 'time_negative.csv', 'nul_bytes.csv', 'empty.csv', 'utf16le_without_bom.csv',
    'invalid_utf8_in_utf8_file.csv', 'unclosed_string_line_5.csv', 'thousands_separator_point_in_decimal_comma_file.csv',
    'cr_only_line_ends_bad_value_line_5.csv']) {
    const expected = cases.find((c) => c.file === name);
    assert.ok(expected && expected.outcome === 'error' && !expected.spec_patch, name);
    await page.click('button[data-action="demo"]');
    await waitForAnalysis();
    await setFile('#spec-file', path.join(corpus, 'spec.json'));
    await page.waitForFunction(() => document.getElementById('status').textContent.includes('spec.json loaded'));
    await setFile('#data-file', path.join(corpus, name));
    await page.waitForFunction((n) => {
      const m = document.getElementById('error-message');
      return m && m.textContent.includes(n);
    }, name, { timeout: 30000 });
    const message = await page.textContent('#error-message');
    const parts = [...(expected.message || [])];
    if (expected.line) parts.push(`line ${expected.line}`);
    if (expected.column) parts.push(`"${expected.column}"`);
    if (expected.value) parts.push(`value "${expected.value}"`);
    for (const part of parts) assert.ok(message.includes(part), `${name}: "${message}" lacks "${part}"`);
  }
  await page.click('button[data-action="demo"]');
  await waitForAnalysis();
});

await step('a file above the configured size limit is refused before it is read', async () => {
  const limited = await context.newPage();
  limited.on('pageerror', (e) => consoleErrors.push(`${currentStep}: ${e.message}`));
  await limited.goto(origin + '/app/?max-mb=0.001');
  await limited.waitForFunction(() => document.getElementById('status').textContent.startsWith('Analysed'), null, { timeout: 60000 });
  await limited.setInputFiles('#data-file', path.join(datasets, 'lung.csv'));
  await limited.waitForSelector('#status.error');
  const message = await limited.textContent('#error-message');
  assert.match(message, /lung\.csv is [0-9.]+ MB, more than this page reads \(0\.001 MB\); nothing was read/);
  // the page is still usable: the demo is still there
  assert.ok((await limited.$$('#table1 tbody tr')).length > 5);
  await limited.close();
});

await step('still only the app\'s own files were requested', async () => {
  const outside = requests.filter((r) => !r.url.startsWith('blob:') && !r.url.startsWith('data:')
    && !(r.url.startsWith(origin) && ownFiles.has(new URL(r.url).pathname)));
  assert.deepEqual(outside, []);
});

await step('no console errors', async () => {
  assert.deepEqual(consoleErrors, []);
});

await step('screenshot of the app with results (tests/artifacts/screenshot.png)', async () => {
  fs.mkdirSync(path.join(root, 'tests/artifacts'), { recursive: true });
  await page.setViewportSize({ width: 1280, height: 1500 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(root, 'tests/artifacts/screenshot.png') });
});

await context.close();
server.close();
console.log(failures === 0 ? 'all end-to-end checks passed' : `${failures} end-to-end check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
