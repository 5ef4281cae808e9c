// Loads the app's WebAssembly module (the Rust code in www/src). Kept as a
// file, not an inline script, so the Content-Security-Policy needs no hash.
import init from './insitu-www.js';

init({ module_or_path: './insitu-www_bg.wasm' }).catch((error) => {
  const status = document.getElementById('status');
  if (status) {
    status.className = 'status error';
    status.textContent = 'Insitu could not start in this browser: ' + error;
  }
});
