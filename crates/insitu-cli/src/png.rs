//! Kaplan–Meier figures as PNG at 300 dpi for Word, from the same SVG the
//! journals get: drawn by resvg with the computer's fonts (the SVG asks for
//! Arial, Helvetica or any sans-serif; on Linux that is Liberation Sans or
//! DejaVu Sans), scaled from the SVG's 96 px per inch, and marked with its
//! print resolution so Word places it at the intended size. The web app
//! draws the same SVG on a canvas instead.

use insitu_core::render::png_with_dpi;
use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{Options, Tree};

/// Print resolution of the PNG figures.
pub const DPI: f64 = 300.0;

/// `svg` as a PNG at `dpi`.
pub fn svg_to_png(svg: &str, dpi: f64) -> Result<Vec<u8>, String> {
    let mut options = Options::default();
    options.fontdb_mut().load_system_fonts();
    let tree = Tree::from_str(svg, &options).map_err(|e| format!("the figure: {e}"))?;
    let scale = (dpi / 96.0) as f32;
    let size = tree.size();
    let (width, height) = (
        (size.width() * scale).ceil() as u32,
        (size.height() * scale).ceil() as u32,
    );
    let mut pixmap = Pixmap::new(width, height)
        .ok_or_else(|| format!("the figure cannot be {width} × {height} pixels"))?;
    resvg::render(
        &tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    let png = pixmap
        .encode_png()
        .map_err(|e| format!("the figure cannot be written as PNG: {e}"))?;
    Ok(png_with_dpi(&png, dpi))
}
