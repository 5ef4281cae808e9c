//! A bug (a Rust panic) inside an API call reaches the page as a thrown
//! `internal error: <message>`, and every later call is refused with the same
//! message instead of running on memory the panic may have left half-done.
//!
//! A file of its own: the panic leaves this wasm instance refusing calls, so
//! it must not share the instance with other tests.

#![cfg(target_arch = "wasm32")]

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn a_panic_throws_its_message_and_later_calls_are_refused() {
    // Called through JS so that the thrown error can be caught here.
    let call = Closure::<dyn Fn()>::new(|| {
        let _ = insitu_wasm::guarded(|| -> Result<(), wasm_bindgen::JsError> {
            panic!("boom in the kernel")
        });
    });
    let function: &js_sys::Function = call.as_ref().unchecked_ref();
    let thrown = function
        .call0(&JsValue::NULL)
        .expect_err("the panic is thrown to JS");
    let thrown: js_sys::Error = thrown.dyn_into().expect("a JS Error");
    let text = String::from(thrown.message());
    assert!(text.starts_with("internal error: "), "{text}");
    assert!(text.contains("boom in the kernel"), "{text}");

    let later = insitu_wasm::analyze(
        insitu_core::demo::DEMO_CSV,
        JsValue::from_str(insitu_core::demo::DEMO_SPEC),
        None,
    )
    .expect_err("refused after a panic");
    let later: js_sys::Error = JsValue::from(later).dyn_into().expect("a JS Error");
    let later = String::from(later.message());
    assert!(later.starts_with("internal error: "), "{later}");
    assert!(later.contains("boom in the kernel"), "{later}");
}
