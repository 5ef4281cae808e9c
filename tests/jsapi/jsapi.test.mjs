// Insitu's JS API in Debian's headless Chromium, checked against the CLI.
//
// For every reference data set, the page calls the JS API (the wasm-pack
// package in crates/insitu-wasm/pkg) and this script runs the native
// `insitu` binary on the same files; every output must be identical:
//
//   analyze(bytes, specObject, "NAME.csv")  deep-equals  JSON.parse(insitu analyze NAME.spec.json --format json)
//       (numbers within PLATFORM_REL, see below; INSITU_JSAPI_EXACT=1 for bit-identity)
//   analyze(...)                            deep-equals  JSON.parse(analyzeJson(...)), bit for bit
//   analyzeJson(bytes, specText, ...) + "\n"      ===    the CLI's JSON text, numbers masked
//   table1Html(report)                            ===    the <table id="table1"> of --format html
//   htmlPage(report)                              ===    --format html
//   table1Csv / table1Markdown                    ===    --format csv / --format md
//   kmSvg(report, k) for every endpoint, "\n"-joined ===  --format svg
//
// The CLI runs with cwd = the datasets folder and the spec path NAME.spec.json,
// so its report says data_file "NAME.csv", the name given to analyze().
//
// Builds nothing: run.sh builds the package and the CLI first.
// Environment: INSITU_BIN (default target/release/insitu), INSITU_REFERENCE
// (default ../shared/reference next to the repository), CHROMIUM
// (default /usr/bin/chromium).
//
// The page is served on 127.0.0.1 only, under a strict Content-Security-Policy,
// and every request it makes is recorded: a request to any other host fails
// the test (the data never leaves the machine).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PKG = join(ROOT, 'crates/insitu-wasm/pkg');
const EXAMPLE = join(ROOT, 'crates/insitu-wasm/example');
const REFERENCE = resolve(process.env.INSITU_REFERENCE ?? join(ROOT, '../shared/reference'));
const DATASETS = join(REFERENCE, 'datasets');
const INSITU_BIN = resolve(ROOT, process.env.INSITU_BIN ?? 'target/release/insitu');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const started = Date.now();
const failures = [];
function fail(message) {
  failures.push(message);
  console.error(`FAIL ${message}`);
}

function need(path, hint) {
  if (!existsSync(path)) {
    console.error(`jsapi: ${path} not found (${hint})`);
    process.exit(2);
  }
}
need(join(PKG, 'insitu_wasm.js'), 'build it: wasm-pack build crates/insitu-wasm --target web --release --out-dir pkg');
need(INSITU_BIN, 'build it: cargo build --release -p insitu-cli, or set INSITU_BIN');
need(DATASETS, 'set INSITU_REFERENCE to the folder holding datasets/ and expected/');

const NAMES = readdirSync(DATASETS)
  .filter((f) => f.endsWith('.spec.json'))
  .map((f) => f.slice(0, -'.spec.json'.length))
  .sort();
if (NAMES.length === 0) {
  console.error(`jsapi: no *.spec.json in ${DATASETS}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------
// The CLI's outputs

function cli(name, format) {
  return execFileSync(INSITU_BIN, ['analyze', `${name}.spec.json`, '--format', format], {
    cwd: DATASETS,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The CLI adds a final newline to whatever does not end with one. */
function asCli(text) {
  return text.endsWith('\n') ? text : `${text}\n`;
}

// ---------------------------------------------------------------------------
// Deep comparison with readable paths

/**
 * The native CLI and the browser do not share a maths library: on Linux
 * f64::exp, ln and powf come from glibc, on wasm32 from Rust's port of
 * musl's libm, and about 1 in 10 results differs in the last bit (sqrt and
 * + - * / are IEEE-exact on both). Numbers are therefore compared within
 * this relative tolerance (or PLATFORM_ABS near 0), far below the 1e-9 at
 * which the values are checked against R; everything else — structure,
 * strings, counts, nulls — must be identical, and so must every rendered
 * text. Set INSITU_JSAPI_EXACT=1 to demand bit-identical numbers.
 */
const PLATFORM_REL = 1e-12;
const PLATFORM_ABS = 1e-15;
const EXACT = process.env.INSITU_JSAPI_EXACT === '1';

/** Numbers that are equal, or equal within the platform tolerance. */
function closeEnough(a, b) {
  if (EXACT) return false;
  const d = Math.abs(a - b);
  return d <= PLATFORM_ABS || d <= PLATFORM_REL * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Compares a (JS API) with b (reference) and pushes up to `limit`
 * differences to out.paths; numbers that differ within the platform
 * tolerance are counted in out.lastBits with the largest relative
 * difference, unless `exact`.
 */
function diff(a, b, path, out, exact, limit = 10) {
  if (out.paths.length >= limit) return;
  if (Object.is(a, b)) {
    if (typeof a === 'number') out.numbers++;
    return;
  }
  const kind = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(a) === 'number' && kind(b) === 'number' && Number.isFinite(a) && Number.isFinite(b)) {
    out.numbers++;
    if (!exact && closeEnough(a, b)) {
      out.lastBits++;
      const rel = Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
      if (rel > out.maxRel) [out.maxRel, out.maxRelPath] = [rel, path];
      return;
    }
  }
  if (kind(a) !== kind(b) || (kind(a) !== 'object' && kind(a) !== 'array')) {
    out.paths.push(`${path || '(root)'}: JS API ${show(a)}, ${out.other} ${show(b)}`);
    return;
  }
  if (Array.isArray(a)) {
    if (a.length !== b.length) out.paths.push(`${path}: JS API length ${a.length}, ${out.other} length ${b.length}`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) diff(a[i], b[i], `${path}[${i}]`, out, exact, limit);
    return;
  }
  for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const child = path ? `${path}.${key}` : key;
    if (!(key in a)) out.paths.push(`${child}: missing in the JS API object, ${out.other} ${show(b[key])}`);
    else if (!(key in b)) out.paths.push(`${child}: JS API ${show(a[key])}, missing in the ${out.other}`);
    else diff(a[key], b[key], child, out, exact, limit);
    if (out.paths.length >= limit) return;
  }
}

/** JSON text with every number token replaced by "#". */
function maskNumbers(json) {
  return json.replace(/(?<=[:\[,]\s*)-?\d+(\.\d+)?([eE][+-]?\d+)?(?=\s*[,\]}\n])/g, '#');
}

function compareObjects(a, b, other, exact) {
  const out = { other, paths: [], numbers: 0, lastBits: 0, maxRel: 0, maxRelPath: '' };
  diff(a, b, '', out, exact);
  return out;
}

function show(v) {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (Object.is(v, -0)) return '-0';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** First differing line of two texts, for a readable message. */
function textDiff(a, b) {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) {
      return `line ${i + 1}:\n      JS API: ${show(la[i])}\n      CLI:    ${show(lb[i])}`;
    }
  }
  return 'same lines, different bytes';
}

function sameText(what, actual, expected) {
  if (actual !== expected) fail(`${what} differs from the CLI at ${textDiff(actual, expected)}`);
}

/** The `<table id="table1">` of the CLI's HTML page (render::html_table verbatim). */
function table1Of(page) {
  const start = page.indexOf('<table id="table1"');
  const end = page.indexOf('</table>\n', start);
  return start < 0 || end < 0 ? null : page.slice(start, end + '</table>\n'.length);
}

// ---------------------------------------------------------------------------
// The page, served on 127.0.0.1

const CSP = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "style-src 'self'",
].join('; ');

const PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Insitu JS API test</title><link rel="icon" href="data:,"></head>
<body><script type="module" src="/page.js"></script></body>
</html>
`;

// Loads the package and exposes it as window.insitu.
const PAGE_JS = `import init, * as insitu from '/pkg/insitu_wasm.js';
await init();
window.insitu = insitu;
window.insituReady = true;
`;

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
};

/** Serves `url` under `prefix` from `dir`, never outside it. */
function fileUnder(prefix, dir, url) {
  if (!url.startsWith(prefix)) return null;
  const path = resolve(dir, decodeURIComponent(url.slice(prefix.length)));
  return path.startsWith(dir + sep) && existsSync(path) ? path : null;
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://127.0.0.1').pathname;
  const headers = { 'Content-Security-Policy': CSP, 'Cache-Control': 'no-store' };
  if (url === '/') {
    res.writeHead(200, { ...headers, 'Content-Type': TYPES['.html'] });
    return res.end(PAGE);
  }
  if (url === '/page.js') {
    res.writeHead(200, { ...headers, 'Content-Type': TYPES['.js'] });
    return res.end(PAGE_JS);
  }
  // the README's example page, as shipped (inline script and style: no CSP)
  const example = url === '/example/' ? join(EXAMPLE, 'index.html') : fileUnder('/example/', EXAMPLE, url);
  const path = example ?? fileUnder('/pkg/', PKG, url) ?? fileUnder('/datasets/', DATASETS, url);
  if (!path) {
    res.writeHead(404, headers);
    return res.end('not found');
  }
  if (example) delete headers['Content-Security-Policy'];
  res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' });
  res.end(readFileSync(path));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const ORIGIN = `http://127.0.0.1:${server.address().port}`;

// ---------------------------------------------------------------------------
// Run

const profile = mkdtempSync(join(tmpdir(), 'insitu-jsapi-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
  ],
});

const requests = [];
let exitCode = 0;
let [numbersTotal, lastBitsTotal, maxRelTotal] = [0, 0, 0];
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('request', (r) => requests.push(r.url()));
  page.on('websocket', (ws) => requests.push(ws.url()));
  page.on('pageerror', (e) => fail(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') fail(`console ${m.type()}: ${m.text()}`);
  });

  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction(() => window.insituReady === true, null, { timeout: 30_000 });
  const version = await page.evaluate(() => window.insitu.version());
  console.log(`jsapi: Insitu ${version}, ${NAMES.length} data sets`);

  for (const name of NAMES) {
    const expected = {
      json: cli(name, 'json'),
      html: cli(name, 'html'),
      csv: cli(name, 'csv'),
      md: cli(name, 'md'),
      svg: cli(name, 'svg'),
    };

    const got = await page.evaluate(async (name) => {
      const { insitu } = window;
      const fetchOk = async (url) => {
        const r = await fetch(url);
        if (!r.ok) throw new Error(`${url}: ${r.status}`);
        return r;
      };
      const bytes = new Uint8Array(await (await fetchOk(`/datasets/${name}.csv`)).arrayBuffer());
      const specText = await (await fetchOk(`/datasets/${name}.spec.json`)).text();
      const t = performance.now();
      const report = insitu.analyze(bytes, JSON.parse(specText), `${name}.csv`);
      const analyzeMs = performance.now() - t;
      const endpoints = report.survival.length;
      return {
        analyzeMs,
        report,
        json: insitu.analyzeJson(bytes, specText, `${name}.csv`),
        table1Html: insitu.table1Html(report),
        htmlPage: insitu.htmlPage(report),
        csv: insitu.table1Csv(report),
        md: insitu.table1Markdown(report),
        svg: Array.from({ length: endpoints }, (_, k) => insitu.kmSvg(report, k)).join('\n'),
        // the render helpers also take the JSON text
        table1HtmlFromText: insitu.table1Html(insitu.analyzeJson(bytes, specText, `${name}.csv`)),
      };
    }, name);

    const before = failures.length;
    // the object is the JSON text parsed, bit for bit (same wasm)
    const self = compareObjects(got.report, JSON.parse(got.json), 'analyzeJson()', true);
    if (self.paths.length > 0) {
      fail(`${name}: analyze() differs from JSON.parse(analyzeJson()) at:\n    ${self.paths.join('\n    ')}`);
    }
    const vsCli = compareObjects(got.report, JSON.parse(expected.json), 'CLI', EXACT);
    if (vsCli.paths.length > 0) {
      fail(`${name}: analyze() differs from the CLI JSON at:\n    ${vsCli.paths.join('\n    ')}`);
    }
    if (EXACT) sameText(`${name}: analyzeJson()`, asCli(got.json), expected.json);
    // otherwise the same text once numbers are masked (their values were compared above)
    else sameText(`${name}: analyzeJson() with numbers masked`, maskNumbers(asCli(got.json)), maskNumbers(expected.json));
    const cliTable = table1Of(expected.html);
    if (cliTable === null) fail(`${name}: no <table id="table1"> in the CLI's HTML`);
    else sameText(`${name}: table1Html()`, got.table1Html, cliTable);
    sameText(`${name}: table1Html(JSON text)`, got.table1HtmlFromText, got.table1Html);
    sameText(`${name}: htmlPage()`, asCli(got.htmlPage), expected.html);
    sameText(`${name}: table1Csv()`, asCli(got.csv), expected.csv);
    sameText(`${name}: table1Markdown()`, asCli(got.md), expected.md);
    sameText(`${name}: kmSvg()`, asCli(got.svg), expected.svg);
    const status = failures.length === before ? 'ok' : 'FAILED';
    const bits =
      vsCli.lastBits === 0
        ? 'all bit-identical'
        : `${vsCli.lastBits} in the last bits (max rel. ${vsCli.maxRel.toExponential(1)} at ${vsCli.maxRelPath})`;
    console.log(
      `${status.padEnd(6)} ${name.padEnd(14)} analyze ${got.analyzeMs.toFixed(0).padStart(4)} ms in the page; ` +
        `${vsCli.numbers} numbers vs the CLI, ${bits}`,
    );
    lastBitsTotal += vsCli.lastBits;
    numbersTotal += vsCli.numbers;
    maxRelTotal = Math.max(maxRelTotal, vsCli.maxRel);
  }

  // Errors reach the page with the core's message.
  const error = await page.evaluate(() => {
    try {
      window.insitu.analyze(
        new TextEncoder().encode('arm,age\nA,60\nB\n'),
        { group: { column: 'arm' }, variables: [{ name: 'age', kind: 'continuous' }], endpoints: [] },
        'cohort.csv',
      );
      return null;
    } catch (e) {
      return { isError: e instanceof Error, message: String(e.message) };
    }
  });
  if (!error?.isError || !error.message.startsWith('cohort.csv, line 3')) {
    fail(`a ragged row should throw an Error naming "cohort.csv, line 3", got ${JSON.stringify(error)}`);
  } else {
    console.log(`ok     errors         ${error.message}`);
  }

  // The example page of the README: the demo, a chosen file, a bad file.
  await page.goto(`${ORIGIN}/example/`);
  await page.click('#demo');
  const demoCaption = await page.textContent('#table1 table caption', { timeout: 10_000 });
  const demoFigure = await page.locator('#figure svg').count();
  await page.fill('#spec', readFileSync(join(DATASETS, 'ovarian.spec.json'), 'utf8'));
  await page.setInputFiles('#file', join(DATASETS, 'ovarian.csv'));
  await page.waitForFunction(() => document.querySelector('#table1 table') !== null);
  const exampleTable = await page.innerHTML('#table1');
  const cliTable = table1Of(cli('ovarian', 'html'));
  await page.setInputFiles('#file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('rx,age\n1,60\n2\n') });
  await page.waitForFunction(() => document.querySelector('#error').textContent !== '');
  const exampleError = await page.textContent('#error');
  if (!demoCaption || demoFigure !== 1) fail(`example page: the demo shows no Table 1 or no figure`);
  else if (exampleTable !== cliTable) fail(`example page: Table 1 of ovarian.csv differs from the CLI at ${textDiff(exampleTable, cliTable)}`);
  else if (!exampleError.startsWith('bad.csv, line 3')) fail(`example page: a ragged file shows ${JSON.stringify(exampleError)}`);
  else console.log(`ok     example        demo, ovarian.csv = CLI, "${exampleError}"`);

  const foreign = requests.filter((u) => !u.startsWith(`${ORIGIN}/`) && !u.startsWith('data:'));
  if (foreign.length > 0) fail(`the page contacted other hosts: ${foreign.join(', ')}`);
  else console.log(`ok     network        ${requests.length} requests, all to ${ORIGIN}`);
} catch (e) {
  fail(`test aborted: ${e.stack ?? e}`);
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}

const seconds = ((Date.now() - started) / 1000).toFixed(1);
if (failures.length > 0) {
  console.error(`jsapi: ${failures.length} failure(s) in ${seconds} s`);
  exitCode = 1;
} else {
  console.log(
    `jsapi: every output of the JS API matches the CLI for ${NAMES.join(', ')}: texts identical, ` +
      `${numbersTotal} numbers of which ${lastBitsTotal} differ in the last bits ` +
      `(max rel. ${maxRelTotal.toExponential(1)}, tolerance ${EXACT ? 0 : PLATFORM_REL}) (${seconds} s)`,
  );
}
process.exit(exitCode);
