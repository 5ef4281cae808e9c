//! Bytes to text. UTF-8 (with or without byte-order mark) is taken as is;
//! UTF-16 with a byte-order mark is converted; anything else that is not
//! valid UTF-8 is read as Windows-1252, the code page of Excel's "CSV" on
//! Western European Windows (accents such as é, ö, ñ). Windows-1252 assigns a
//! character to nearly every byte, so this step never fails; the report says
//! which encoding was used.

use std::borrow::Cow;

use serde::Serialize;

/// The encoding the bytes were read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        let (text, _, _) = encoding_rs::UTF_16LE.decode(bytes);
        return (text, TextEncoding::Utf16);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (Cow::Borrowed(text), TextEncoding::Utf8),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text, TextEncoding::Windows1252)
        }
    }
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
    fn invalid_utf8_is_windows_1252() {
        let (text, enc) = decode(b"caf\xe9");
        assert_eq!(text, "café");
        assert_eq!(enc, TextEncoding::Windows1252);
    }
}
