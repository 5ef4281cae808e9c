//! The Insitu web app: thin glue between the page and `insitu-core`.
//!
//! One WebAssembly module serves two roles. In the page (`window` exists)
//! it builds the interface and sends work to a Web Worker; in the worker
//! (`worker.js` loads the same module) the exported `worker_*` functions
//! read the file and run the analysis, so the page never freezes. The
//! numbers come from `insitu_core::analyze_table`, the same function the
//! CLI and the JS API call.

mod app;
mod dom;
#[cfg(feature = "extras")]
mod extras;
mod rendered;
mod views;
mod worker;

fn main() {
    worker::install_panic_hook();
    if web_sys::window().is_none() {
        return; // inside the worker: wait for messages
    }
    app::start();
}
