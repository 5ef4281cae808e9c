//! Marks a PNG with its print resolution (the `pHYs` chunk), so a figure
//! rendered at 300 dpi opens in Word at its intended size. The browser's
//! canvas writes PNGs without it. Written by hand: a 25-byte chunk and a
//! CRC-32 do not justify an image crate in the browser bundle.

/// CRC-32 (IEEE 802.3, as PNG uses) of `bytes`.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

const SIGNATURE: [u8; 8] = [137, 80, 78, 71, 13, 10, 26, 10];

/// `png` with a `pHYs` chunk of `dpi` dots per inch right after `IHDR`
/// (any existing `pHYs` is replaced). Bytes that are not a PNG come back
/// unchanged.
pub fn png_with_dpi(png: &[u8], dpi: f64) -> Vec<u8> {
    if png.len() < 33 || png[..8] != SIGNATURE || &png[12..16] != b"IHDR" {
        return png.to_vec();
    }
    let ppm = (dpi / 0.0254).round() as u32;
    let mut chunk = Vec::with_capacity(21);
    chunk.extend_from_slice(b"pHYs");
    chunk.extend_from_slice(&ppm.to_be_bytes());
    chunk.extend_from_slice(&ppm.to_be_bytes());
    chunk.push(1); // unit: metre
    let mut out = Vec::with_capacity(png.len() + 21);
    out.extend_from_slice(&png[..33]); // signature + IHDR (13-byte body)
    out.extend_from_slice(&9u32.to_be_bytes());
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    // copy the remaining chunks, dropping an old pHYs
    let mut k = 33;
    while k + 12 <= png.len() {
        let len = u32::from_be_bytes([png[k], png[k + 1], png[k + 2], png[k + 3]]) as usize;
        let end = (k + 12 + len).min(png.len());
        if &png[k + 4..k + 8] != b"pHYs" {
            out.extend_from_slice(&png[k..end]);
        }
        k = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_of_the_png_iend_chunk() {
        // every PNG ends with IEND and this CRC
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn phys_is_inserted_after_ihdr() {
        let mut png = SIGNATURE.to_vec();
        let ihdr = [b"IHDR".as_slice(), &[0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0]].concat();
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&crc32(&ihdr).to_be_bytes());
        png.extend_from_slice(&0u32.to_be_bytes());
        png.extend_from_slice(b"IEND");
        png.extend_from_slice(&crc32(b"IEND").to_be_bytes());
        let out = png_with_dpi(&png, 300.0);
        assert_eq!(out.len(), png.len() + 21);
        assert_eq!(&out[37..41], b"pHYs");
        // 300 dpi = 11811 pixels per metre
        assert_eq!(&out[41..45], &11811u32.to_be_bytes());
        assert_eq!(&out[out.len() - 8..out.len() - 4], b"IEND");
        // idempotent: a second pass replaces, not duplicates
        assert_eq!(png_with_dpi(&out, 300.0), out);
    }
}
