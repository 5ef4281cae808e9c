// The analysis worker: the same WebAssembly module as the page, so the page
// never freezes on a large file. It holds the file's parsed table between
// analyses, so a changed setting does not re-read the file. Messages:
//   {id, type: 'load', file, options}  -> {id, type: 'inspected', json}
//                                         (before it, for a large file:
//                                         {id, type: 'progress', read, size})
//   {id, type: 'demo'}                 -> {id, type: 'inspected', json}
//   {id, type: 'analyze', spec, figures} -> {id, type: 'report', json}
//   {id, type: 'render', figures}      -> {id, type: 'redrawn', json}
//   {id, type: 'docx'}                 -> {id, type: 'docx', bytes}
//   {id, type: 'aggregate', spec, choices} -> {id, type: 'summary', json}
//   {id, type: 'merge', files, byCentre, figures} -> {id, type: 'report', json}
// (json of 'report': the rendered pieces, of 'redrawn': the results and the
// figures again, www/src/rendered.rs; the report itself stays here.)
//   any failure                        -> {id, type: 'error', message}
//
// Spreadsheets (.xlsx/.xls/.ods), Word output and the multicentre summaries
// live in a second build of the same Rust code, the extras module
// (extras/insitu-extras.js), imported only when first needed — from this
// site, like everything else (the Content-Security-Policy allows nothing
// else).
import init, * as light from './insitu-www.js';

// The module compiled once: this worker's instance, and a second one that
// warms it up (below) — both run the same compiled code.
const compiled = fetch('./insitu-www_bg.wasm')
  .then((response) => response.arrayBuffer())
  .then((bytes) => WebAssembly.compile(bytes));
const ready = compiled.then((module) => init({ module_or_path: module }));
// The second instance's glue: the same file under another address, so
// that it holds its own instance (asked for now, with the app's other
// files, not after a user's data are loaded).
const warmUpGlue = import('./insitu-www.js?warm-up');
let warmedUp = false;

// Warm-up. V8 first runs a WebAssembly function as baseline code (Liftoff)
// and swaps in optimised code (TurboFan) once the function is hot — but only
// at its next call. Reading a file, typing a column or building a survival
// table is one long call, so a large file would run baseline code all the
// way through: ~15 % more CPU time at 10^6 rows (docs/scale.md). So once
// the demo is shown, the second instance reads and analyses the demo
// cohort repeated to 15,600 rows (~0.3 s while the page is idle); the hot
// functions are then optimised for every later file. It has its own memory:
// the table and report shown here are not touched.
const WARM_UP_COPIES = 60;
const WARM_UP_CHUNK = 64 << 10;
async function warmUp() {
  const glue = await warmUpGlue;
  await glue.default({ module_or_path: await compiled });
  const files = await demoFiles();
  const text = new TextDecoder().decode(files.bytes);
  const bodyStart = text.indexOf('\n') + 1;
  const rows = text.endsWith('\n') ? text.slice(bodyStart) : text.slice(bodyStart) + '\n';
  const cohort = new TextEncoder().encode(text.slice(0, bodyStart) + rows.repeat(WARM_UP_COPIES));
  const spec = JSON.parse(files.spec);
  delete spec.n_rows; // the demo's row count, checked by the analysis
  // read as every CSV file is: streamed, chunk by chunk (the demo's spec
  // sets no reading options)
  glue.worker_stream_start('warm-up.csv', cohort.length, '');
  for (let at = 0; at < cohort.length; at += WARM_UP_CHUNK) {
    glue.worker_stream_feed(cohort.subarray(at, at + WARM_UP_CHUNK));
  }
  if (glue.worker_stream_finish() === undefined) throw new Error('the warm-up cohort was not streamed');
  glue.worker_analyze(JSON.stringify(spec), '');
}
// A CSV file is read as it arrives (File.stream(), in the chunks the
// browser gives): the module builds the columns row by row and never holds
// the whole file, nor does this worker — at 10^7 rows, about 1 GB less
// than the file's bytes here and their copy in the module
// (insitu_core::ingest::stream). The page is told how far the reading is
// (at most every 1 %, for files of 4 MB or more). Returns the inspection,
// or undefined when the stream gave up (a file that is not UTF-8, or has
// an error: the whole-file read then gives the table or the message).
const PROGRESS_FROM_BYTES = 4 << 20;
async function streamed(message) {
  const file = message.file;
  light.worker_stream_start(file.name, file.size, message.options);
  const reader = file.stream().getReader();
  let read = 0;
  let told = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (message.id !== newestLoad) {
      await reader.cancel();
      throw new Superseded('another file was asked for');
    }
    if (!light.worker_stream_feed(value)) {
      await reader.cancel();
      return undefined;
    }
    read += value.length;
    if (file.size >= PROGRESS_FROM_BYTES && read - told >= file.size / 100) {
      told = read;
      self.postMessage({ id: message.id, type: 'progress', read, size: file.size });
    }
  }
  return light.worker_stream_finish();
}

let extras = null; // the extras module's promise, once asked for
// the module holding the loaded table (analyses go to it)
let active = light;
// the module holding the report on show (an analysis, or a merge)
let shown = light;
// what was loaded last, to load it into the extras module when needed
let lastLoad = { type: 'demo' };
// the demo cohort's bytes and its spec's text, fetched from this site when
// first shown (kept out of the module: its size is budgeted)
let demo = null;

function demoFiles() {
  if (!demo) {
    const get = async (name) => {
      const response = await fetch('./' + name);
      if (!response.ok) throw new Error('the demo could not be loaded (' + name + ': ' + response.status + ')');
      return response;
    };
    demo = Promise.all([get('paper_lfa_m1.csv'), get('paper_lfa_m1.table1.spec.json')]).then(
      async ([csv, spec]) => ({ bytes: new Uint8Array(await csv.arrayBuffer()), spec: await spec.text() }));
    demo.catch(() => { demo = null; });
  }
  return demo;
}

function extrasModule() {
  if (!extras) {
    extras = import('./extras/insitu-extras.js').then(async (module) => {
      await module.default({ module_or_path: './extras/insitu-extras_bg.wasm' });
      return module;
    });
  }
  return extras;
}

// The extras module, holding the loaded table.
async function extrasWithTable() {
  const module = await extrasModule();
  if (active !== module) {
    if (lastLoad.type === 'load') {
      const bytes = new Uint8Array(await lastLoad.file.arrayBuffer());
      module.worker_load(lastLoad.file.name, bytes, lastLoad.options);
    } else {
      const files = await demoFiles();
      module.worker_load_demo(files.bytes, files.spec);
    }
    active = module;
  }
  return module;
}

// Requests are handled one after the other, in the order they came: a
// file still streaming when the page asks for another load (a changed
// reading option, a spec) must not share its stream with it. A load given
// up for a newer one stops at its next chunk (its reply, like any to a
// request the page no longer waits for, is ignored there).
let newestLoad = 0;
let queue = Promise.resolve();
self.onmessage = (event) => {
  if (event.data.type === 'load' || event.data.type === 'demo') newestLoad = event.data.id;
  queue = queue.then(() => handle(event.data));
};

class Superseded extends Error {}

async function handle(message) {
  try {
    await ready;
    let reply;
    if (message.type === 'load') {
      const file = message.file;
      const first = new Uint8Array(await file.slice(0, 8).arrayBuffer());
      active = light.worker_is_spreadsheet(first) ? await extrasModule() : light;
      let json = active === light ? await streamed(message) : undefined;
      if (json === undefined) {
        // a spreadsheet, or a file the stream gave up: read whole
        json = active.worker_load(file.name, new Uint8Array(await file.arrayBuffer()), message.options);
      }
      reply = { type: 'inspected', json };
      lastLoad = message;
    } else if (message.type === 'demo') {
      active = light;
      const files = await demoFiles();
      reply = { type: 'inspected', json: light.worker_load_demo(files.bytes, files.spec), spec: files.spec };
      lastLoad = message;
    } else if (message.type === 'analyze') {
      shown = active;
      reply = { type: 'report', json: active.worker_analyze(message.spec, message.figures || '') };
    } else if (message.type === 'render') {
      reply = { type: 'redrawn', json: shown.worker_render(message.figures || '') };
    } else if (message.type === 'docx') {
      const module = await extrasModule();
      const bytes = module.worker_table1_docx(shown.worker_report_json());
      self.postMessage({ id: message.id, type: 'docx', bytes }, [bytes.buffer]);
      return;
    } else if (message.type === 'aggregate') {
      const module = await extrasWithTable();
      reply = { type: 'summary', json: module.worker_aggregate(message.spec, message.choices) };
    } else if (message.type === 'merge') {
      const module = await extrasModule();
      const json = module.worker_merge(message.files, message.byCentre, message.figures || '');
      shown = module;
      reply = { type: 'report', json };
    } else {
      reply = { type: 'error', message: 'unknown request ' + message.type };
    }
    self.postMessage({ id: message.id, ...reply });
    if (!warmedUp && reply.type === 'report' && lastLoad.type === 'demo') {
      warmedUp = true; // after the demo's first analysis is on its way to the page
      setTimeout(() => warmUp().catch((error) => console.warn('warm-up skipped:', error)), 0);
    }
  } catch (error) {
    if (error instanceof Superseded) return; // the page waits for the newer load
    let text = error && error.message ? error.message : String(error);
    try {
      const panic = active.worker_last_panic();
      if (panic) text = 'internal error (please report): ' + panic;
    } catch (_) { /* the module may be unusable after a panic */ }
    self.postMessage({ id: message.id, type: 'error', message: text, fatal: error instanceof WebAssembly.RuntimeError });
  }
};
