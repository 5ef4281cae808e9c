// A static file server for the built app (dist/) on 127.0.0.1 only, under
// a URL prefix: what a hospital intranet folder does, and all the app
// needs (it uses relative URLs only). Used by the end-to-end test and by
// scripts/scale-browser.mjs.

import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.css': 'text/css' };

/** Serves `dir` under `prefix` (e.g. '/app/'); resolves to {server, origin}. */
export async function serveDir(dir, prefix = '/') {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (!url.pathname.startsWith(prefix)) {
      res.writeHead(404).end();
      return;
    }
    const rest = decodeURIComponent(url.pathname.slice(prefix.length));
    const file = path.join(dir, rest === '' ? 'index.html' : rest);
    if (!file.startsWith(dir) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream' });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}
