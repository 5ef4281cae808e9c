//! Bytes to text. UTF-8 (with or without byte-order mark) is taken as is;
//! UTF-16 with a byte-order mark is converted; anything else that is not
//! valid UTF-8 is read as Windows-1252, the code page of Excel's "CSV" on
//! Western European Windows (accents such as é, ö, ñ). Windows-1252 assigns a
//! character to nearly every byte, so this step never fails; the report says
//! which encoding was used.
//!
//! Decoding is written by hand (a 32-entry table and `char::decode_utf16`)
//! rather than through `encoding_rs`: that crate's decoder dispatches over
//! every encoding it knows, which links about 240 KB of CJK tables into the
//! browser bundle even when only Windows-1252 is used. The tests check the
//! result against `encoding_rs` for every byte value and for UTF-16 text.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// The encoding the bytes were read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    /// UTF-8 without byte-order mark.
    Utf8,
    /// UTF-8 with a byte-order mark (Excel's "CSV UTF-8").
    Utf8Bom,
    /// UTF-16 (little or big endian) with a byte-order mark.
    Utf16,
    /// Windows-1252 (the bytes were not valid UTF-8).
    Windows1252,
}

impl TextEncoding {
    /// Name as shown to the user.
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 with BOM",
            TextEncoding::Utf16 => "UTF-16",
            TextEncoding::Windows1252 => "Windows-1252",
        }
    }
}

/// Decodes `bytes`, returning the text and the encoding used.
pub fn decode(bytes: &[u8]) -> (Cow<'_, str>, TextEncoding) {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        if let Ok(text) = std::str::from_utf8(rest) {
            return (Cow::Borrowed(text), TextEncoding::Utf8Bom);
        }
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return (
            Cow::Owned(utf16(rest, u16::from_le_bytes)),
            TextEncoding::Utf16,
        );
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return (
            Cow::Owned(utf16(rest, u16::from_be_bytes)),
            TextEncoding::Utf16,
        );
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), TextEncoding::Utf8),
        Err(_) => (Cow::Owned(windows_1252(bytes)), TextEncoding::Windows1252),
    }
}

/// Share of NUL bytes at even (`parity` 0) or odd positions among the
/// first 4096 bytes.
fn nul_share(bytes: &[u8], parity: usize) -> f64 {
    let head = &bytes[..bytes.len().min(4096)];
    let at: Vec<u8> = head.iter().skip(parity).step_by(2).copied().collect();
    if at.is_empty() {
        return 0.0;
    }
    at.iter().filter(|&&b| b == 0).count() as f64 / at.len() as f64
}

/// True for UTF-16 text without a byte-order mark: most of the bytes at
/// odd (little-endian) or at even (big-endian) positions are NUL, as
/// mostly-ASCII text gives, and few of the others.
pub fn looks_like_utf16(bytes: &[u8]) -> bool {
    let (even, odd) = (nul_share(bytes, 0), nul_share(bytes, 1));
    bytes.len() >= 4 && (even.max(odd) >= 0.7 && even.min(odd) <= 0.1)
}

/// The offset of the first bad byte of a file that is UTF-8 but for a few
/// bytes: it has valid UTF-8 multi-byte characters (accents) and at most
/// as many bytes that are not UTF-8. Such a file read as Windows-1252
/// would silently turn every accent into two letters (é into Ã©), so it is
/// refused instead. A Windows-1252 file (accents as single bytes, no valid
/// multi-byte sequences) gives `None`, as does valid UTF-8.
pub fn utf8_with_stray_bytes(bytes: &[u8]) -> Option<usize> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let skipped = bytes.len() - body.len();
    let mut rest = body;
    let mut at = skipped;
    let (mut valid_multibyte, mut invalid) = (0usize, 0usize);
    let mut first_bad = None;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                valid_multibyte += text.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(e) => {
                let good = e.valid_up_to();
                // valid_up_to is a char boundary of valid UTF-8
                if let Ok(text) = std::str::from_utf8(&rest[..good]) {
                    valid_multibyte += text.chars().filter(|c| !c.is_ascii()).count();
                }
                first_bad.get_or_insert(at + good);
                invalid += 1;
                let skip = good + e.error_len().unwrap_or(rest.len() - good).max(1);
                at += skip;
                rest = &rest[skip..];
            }
        }
    }
    (first_bad.is_some() && valid_multibyte > 0 && valid_multibyte >= invalid).then_some(first_bad?)
}

/// Decodes `bytes` in the encoding the user chose. A byte-order mark is
/// dropped; bytes that are not valid UTF-8 when UTF-8 was chosen give the
/// byte offset of the first bad byte.
pub fn decode_as(bytes: &[u8], encoding: TextEncoding) -> Result<Cow<'_, str>, usize> {
    match encoding {
        TextEncoding::Utf8 | TextEncoding::Utf8Bom => {
            let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            std::str::from_utf8(body)
                .map(Cow::Borrowed)
                .map_err(|e| e.valid_up_to() + (bytes.len() - body.len()))
        }
        TextEncoding::Utf16 => Ok(Cow::Owned(match bytes {
            [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
            [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
            // no byte-order mark: big-endian when ASCII text puts its NUL
            // bytes first
            _ if nul_share(bytes, 0) > nul_share(bytes, 1) => utf16(bytes, u16::from_be_bytes),
            _ => utf16(bytes, u16::from_le_bytes),
        })),
        TextEncoding::Windows1252 => Ok(Cow::Owned(windows_1252(bytes))),
    }
}

/// UTF-16 code units to text; unpaired surrogates and an odd last byte
/// become U+FFFD, as the WHATWG decoder does.
fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> String {
    let units = bytes.chunks_exact(2).map(|p| unit([p[0], p[1]]));
    let mut text: String = char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    if bytes.len() % 2 == 1 {
        text.push(char::REPLACEMENT_CHARACTER);
    }
    text
}

/// Characters of bytes 0x80–0x9F in Windows-1252 (WHATWG index; the five
/// unassigned bytes map to the C1 control of the same value).
const WINDOWS_1252_HIGH: [char; 32] = [
    '\u{20AC}', '\u{0081}', '\u{201A}', '\u{0192}', '\u{201E}', '\u{2026}', '\u{2020}', '\u{2021}',
    '\u{02C6}', '\u{2030}', '\u{0160}', '\u{2039}', '\u{0152}', '\u{008D}', '\u{017D}', '\u{008F}',
    '\u{0090}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}', '\u{2014}',
    '\u{02DC}', '\u{2122}', '\u{0161}', '\u{203A}', '\u{0153}', '\u{009D}', '\u{017E}', '\u{0178}',
];

/// Windows-1252 bytes to text (every byte has a character).
fn windows_1252(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| match b {
            0x80..=0x9F => WINDOWS_1252_HIGH[usize::from(b - 0x80)],
            _ => char::from(b),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_removed() {
        let (text, enc) = decode(b"\xEF\xBB\xBFa,b\n");
        assert_eq!(text, "a,b\n");
        assert_eq!(enc, TextEncoding::Utf8Bom);
    }

    #[test]
    fn utf16_with_bom_is_converted() {
        let bytes: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a;é\n".encode_utf16().flat_map(|u| u.to_le_bytes()))
            .collect();
        let (text, enc) = decode(&bytes);
        assert_eq!(text, "a;é\n");
        assert_eq!(enc, TextEncoding::Utf16);
    }

    #[test]
    fn windows_1252_agrees_with_encoding_rs_for_every_byte() {
        let bytes: Vec<u8> = (0..=255u8).collect();
        let (expected, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&bytes);
        assert_eq!(windows_1252(&bytes), expected);
    }

    #[test]
    fn utf16_agrees_with_encoding_rs() {
        let text = "id;name;é€😀\r\n1;Zoë;\u{FFFD}";
        for big_endian in [false, true] {
            let mut bytes: Vec<u8> = if big_endian {
                vec![0xFE, 0xFF]
            } else {
                vec![0xFF, 0xFE]
            };
            for u in text.encode_utf16() {
                bytes.extend(if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                });
            }
            for tail in [&[0x00, 0xD8, 0x41, 0x00][..], &[0x41][..]] {
                // an unpaired surrogate inside the text; an odd last byte
                let mut bytes = bytes.clone();
                bytes.extend(tail);
                let (expected, _, _) = encoding_rs::UTF_16LE.decode(&bytes);
                assert_eq!(decode(&bytes).0, expected, "big endian: {big_endian}");
            }
        }
    }

    #[test]
    fn a_chosen_encoding_wins_over_detection() {
        // "é" in UTF-8 read as Windows-1252 on request
        assert_eq!(
            decode_as("é".as_bytes(), TextEncoding::Windows1252).unwrap(),
            "Ã©"
        );
        assert_eq!(decode_as(b"ab\xe9", TextEncoding::Utf8), Err(2));
    }

    #[test]
    fn a_stray_byte_in_utf8_is_found_and_windows_1252_is_not_mistaken_for_it() {
        assert_eq!(utf8_with_stray_bytes("Fémme\nM\n".as_bytes()), None);
        let mut stray = "a,Fémme\nb,M".as_bytes().to_vec();
        stray.insert(11, 0x80);
        assert_eq!(utf8_with_stray_bytes(&stray), Some(11));
        // Windows-1252: é as the single byte 0xE9
        assert_eq!(utf8_with_stray_bytes(b"a,F\xE9mme\nb,\xE9t\xE9\n"), None);
        // a UTF-8 file with more bad bytes than accents is not called UTF-8
        assert_eq!(utf8_with_stray_bytes(b"\xC3\xA9,\x80\x81\x82\n"), None);
    }

    #[test]
    fn utf16_without_a_byte_order_mark_is_recognised() {
        let le: Vec<u8> = "arm,age\nA,61\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let be: Vec<u8> = "arm,age\nA,61\n"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert!(looks_like_utf16(&le) && looks_like_utf16(&be));
        assert!(!looks_like_utf16(b"arm,age\nA,61\n"));
        for bytes in [&le, &be] {
            assert_eq!(
                decode_as(bytes, TextEncoding::Utf16).unwrap(),
                "arm,age\nA,61\n"
            );
        }
    }

    #[test]
    fn invalid_utf8_is_windows_1252() {
        let (text, enc) = decode(b"caf\xe9");
        assert_eq!(text, "café");
        assert_eq!(enc, TextEncoding::Windows1252);
    }
}
