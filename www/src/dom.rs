//! Small DOM helpers over web-sys.

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Blob, BlobPropertyBag, Document, Element, HtmlAnchorElement, Url};

/// The page's document.
pub fn document() -> Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("the app runs in a page")
}

/// The element with `id`, if present.
pub fn by_id(id: &str) -> Option<Element> {
    document().get_element_by_id(id)
}

/// Replaces the content of element `id`.
pub fn set_html(id: &str, html: &str) {
    if let Some(e) = by_id(id) {
        e.set_inner_html(html);
    }
}

/// Replaces the content of element `id`, keeping open the `<details>`
/// (by their `data-column`) that were open, so that a panel re-rendered
/// after an edit does not fold the options being edited.
pub fn set_html_keeping_open(id: &str, html: &str) {
    let Some(e) = by_id(id) else { return };
    let open: Vec<String> = e
        .query_selector_all("details[open][data-column]")
        .map(|list| {
            (0..list.length())
                .filter_map(|k| list.item(k)?.dyn_into::<Element>().ok())
                .filter_map(|d| d.get_attribute("data-column"))
                .collect()
        })
        .unwrap_or_default();
    e.set_inner_html(html);
    if open.is_empty() {
        return;
    }
    if let Ok(list) = e.query_selector_all("details[data-column]") {
        for d in (0..list.length()).filter_map(|k| list.item(k)?.dyn_into::<Element>().ok()) {
            if d.get_attribute("data-column")
                .is_some_and(|c| open.contains(&c))
            {
                let _ = d.set_attribute("open", "");
            }
        }
    }
}

/// Shows or hides element `id`.
pub fn show(id: &str, visible: bool) {
    if let Some(e) = by_id(id) {
        if visible {
            let _ = e.remove_attribute("hidden");
        } else {
            let _ = e.set_attribute("hidden", "");
        }
    }
}

/// A Blob of `parts` with a MIME type.
pub fn blob(parts: &JsValue, mime: &str) -> Result<Blob, JsValue> {
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    Blob::new_with_u8_array_sequence_and_options(&Array::of1(parts), &options)
}

/// A Blob of text.
pub fn text_blob(text: &str, mime: &str) -> Result<Blob, JsValue> {
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    Blob::new_with_str_sequence_and_options(&Array::of1(&JsValue::from_str(text)), &options)
}

/// A Blob of bytes.
pub fn bytes_blob(bytes: &[u8], mime: &str) -> Result<Blob, JsValue> {
    blob(&Uint8Array::from(bytes).into(), mime)
}

/// Offers a Blob as a download named `name` (no request leaves the page:
/// a `blob:` URL is local).
pub fn download(blob: &Blob, name: &str) -> Result<(), JsValue> {
    let url = Url::create_object_url_with_blob(blob)?;
    let a: HtmlAnchorElement = document().create_element("a")?.dyn_into()?;
    a.set_href(&url);
    a.set_download(name);
    a.set_attribute("data-download", name)?;
    a.click();
    Url::revoke_object_url(&url)?;
    Ok(())
}

/// Value of an `<input>`, `<select>` or `<textarea>`.
pub fn value_of(e: &Element) -> String {
    if let Some(i) = e.dyn_ref::<web_sys::HtmlInputElement>() {
        i.value()
    } else if let Some(s) = e.dyn_ref::<web_sys::HtmlSelectElement>() {
        s.value()
    } else if let Some(t) = e.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        t.value()
    } else {
        String::new()
    }
}

/// Whether an `<input type=checkbox>` is checked.
pub fn checked(e: &Element) -> bool {
    e.dyn_ref::<web_sys::HtmlInputElement>()
        .is_some_and(|i| i.checked())
}
