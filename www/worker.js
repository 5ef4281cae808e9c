// The analysis worker: the same WebAssembly module as the page, so the page
// never freezes on a large file. It holds the file's parsed table between
// analyses, so a changed setting does not re-read the file. Messages:
//   {id, type: 'load', file, options}  -> {id, type: 'inspected', json}
//   {id, type: 'demo'}                 -> {id, type: 'inspected', json}
//   {id, type: 'analyze', spec}        -> {id, type: 'report', json}
//   any failure                        -> {id, type: 'error', message}
import init, { worker_load, worker_load_demo, worker_analyze, worker_last_panic } from './insitu-www.js';

const ready = init({ module_or_path: './insitu-www_bg.wasm' });

self.onmessage = async (event) => {
  const message = event.data;
  try {
    await ready;
    let reply;
    if (message.type === 'load') {
      const bytes = new Uint8Array(await message.file.arrayBuffer());
      reply = { type: 'inspected', json: worker_load(message.file.name, bytes, message.options) };
    } else if (message.type === 'demo') {
      reply = { type: 'inspected', json: worker_load_demo() };
    } else if (message.type === 'analyze') {
      reply = { type: 'report', json: worker_analyze(message.spec) };
    } else {
      reply = { type: 'error', message: 'unknown request ' + message.type };
    }
    self.postMessage({ id: message.id, ...reply });
  } catch (error) {
    let text = error && error.message ? error.message : String(error);
    try {
      const panic = worker_last_panic();
      if (panic) text = 'internal error (please report): ' + panic;
    } catch (_) { /* the module may be unusable after a panic */ }
    self.postMessage({ id: message.id, type: 'error', message: text, fatal: error instanceof WebAssembly.RuntimeError });
  }
};
