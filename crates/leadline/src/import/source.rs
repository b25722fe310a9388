//! Reading an uploaded file as CSV: its hash, its encoding and its delimiter.
//!
//! Encodings: UTF-8 with or without BOM, UTF-16 (BOM, or detected from the zero
//! bytes of ASCII text), Windows-1252 / Latin-1 (a file that is not valid UTF-8) and Mac
//! Roman (Excel for Mac's "CSV", told from Windows-1252 by the bytes beside letters), and
//! UTF-8 with some Windows-1252 rows (files put together from two programs): each byte
//! that is not UTF-8 is read as Windows-1252, the rest as UTF-8.
//! The delimiter (`,` `;` tab or `|`) is the one named by Excel's `sep=;` first line (which
//! is skipped, as Excel hides it), else the one that splits the first lines into the same
//! number of fields.

use anyhow::Context;
use encoding_rs::Encoding;
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom};

/// Why a file cannot be imported at all. Nothing is written when this happens.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct FileError(pub String, pub &'static str);

impl FileError {
    /// An error about the file itself.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into(), "file")
    }

    /// An error about one of the import's options (`map`, `encoding`, `delimiter`).
    pub fn about(option: &'static str, message: impl Into<String>) -> Self {
        Self(message.into(), option)
    }

    /// The input the error is about: `file`, or the option.
    #[must_use]
    pub fn field(&self) -> &'static str {
        self.1
    }
}

/// A file's identity and its reading settings, found by one pass over it.
#[derive(Debug, Clone)]
pub struct Sniffed {
    pub sha256: String,
    pub size: u64,
    pub encoding: &'static Encoding,
    /// UTF-8 with stray Windows-1252 bytes (`encoding` is then UTF-8).
    pub mixed: bool,
    /// Bytes to skip before the header: a byte-order mark, and Excel's `sep=;` line.
    pub skip: usize,
    pub delimiter: u8,
    /// Line count less the header: the number of rows unless fields hold line breaks.
    pub rows_estimate: u64,
    /// Rows above the header (a title, a note), passed over; found when the header is read.
    pub title_rows: u64,
}

/// Reads `file` once: hash, UTF-8 validity, lines; then the delimiter from the start.
pub fn sniff<R: Read + Seek>(
    file: &mut R,
    encoding: Option<&str>,
    delimiter: Option<u8>,
) -> Result<Sniffed, FileError> {
    let io = |e: std::io::Error| FileError::new(format!("cannot read the file: {e}"));
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0_u8; 1 << 20];
    let mut head: Vec<u8> = Vec::new();
    let mut size = 0_u64;
    let mut lines = 0_u64;
    let mut records = RecordCount::default();
    let mut utf8 = Utf8Check::default();
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        hasher.update(chunk);
        size += n as u64;
        lines += line_ends(chunk, records.last);
        records.feed(chunk);
        utf8.feed(chunk);
        if head.len() < 64 * 1024 {
            head.extend_from_slice(&chunk[..n.min(64 * 1024 - head.len())]);
        }
    }
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    if size == 0 {
        return Err(FileError::new("the file is empty"));
    }
    if let Some(kind) = known_document(&head).or_else(|| known_text_document(&head)) {
        return Err(FileError::new(format!(
            "the file is not a CSV file (it is {kind}); save it as CSV (in Excel: File → Save As → CSV UTF-8)"
        )));
    }
    let given = encoding.is_some();
    let (encoding, bom) = match encoding {
        Some(label) => {
            let enc = encoding_for_label(label).ok_or_else(|| {
                FileError::about("encoding", format!("'{label}' is not an encoding this import knows"))
            })?;
            let (_, bom_len) = Encoding::for_bom(&head).unwrap_or((enc, 0));
            (enc, bom_len)
        }
        None => detect(&head, utf8.valid()),
    };
    let mixed = !given && utf8.mixed() && encoding != encoding_rs::UTF_16LE && encoding != encoding_rs::UTF_16BE;
    let encoding = if mixed { encoding_rs::UTF_8 } else { encoding };
    let text = decode_head(&head[bom..], encoding);
    if looks_binary(&text) {
        return Err(FileError::new("the file is not a CSV file (it holds binary data)"));
    }
    if text.trim().is_empty() {
        return Err(FileError::new("the file is empty"));
    }
    let utf16 = encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE;
    let (hint, hint_len) = separator_line(&text).map_or((None, 0), |(d, len)| (Some(d), len));
    let delimiter = delimiter.or(hint).unwrap_or_else(|| sniff_delimiter(&text[hint_len..]));
    // Lines holding quoted line breaks (notes, addresses) are no more rows: count records,
    // unless stray quotes make that count implausible.
    let records = records.finish();
    let rows_estimate = if utf16 {
        lines / 2
    } else if records >= lines / 4 {
        records
    } else {
        lines
    };
    Ok(Sniffed {
        sha256: hex::encode(hasher.finalize()),
        size,
        encoding,
        mixed,
        // The line is ASCII: one byte a character, two in UTF-16.
        skip: bom + if utf16 { hint_len * 2 } else { hint_len },
        delimiter,
        rows_estimate: rows_estimate.saturating_sub(1 + u64::from(hint.is_some())).max(1),
        title_rows: 0,
    })
}

/// What a file is by its first bytes, for the formats people upload instead of a CSV.
fn known_document(head: &[u8]) -> Option<&'static str> {
    const SIGNATURES: [(&[u8], &str); 8] = [
        (b"PK\x03\x04", "a zip archive, such as an Excel or OpenDocument workbook"),
        (b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "an old Excel (.xls) or Word document"),
        (b"%PDF-", "a PDF document"),
        (b"{\\rtf", "an RTF document"),
        (b"\x89PNG", "a PNG image"),
        (b"\xFF\xD8\xFF", "a JPEG image"),
        (b"GIF8", "a GIF image"),
        (b"\x1F\x8B", "a gzip archive"),
    ];
    SIGNATURES.iter().find(|(magic, _)| head.starts_with(magic)).map(|(_, kind)| *kind)
}

/// What a text file is when its first characters say it is no CSV: JSON, XML, a web page
/// (reports "exported to Excel" are often HTML tables named `.xls`), an address book.
fn known_text_document(head: &[u8]) -> Option<&'static str> {
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = text.trim_ascii_start();
    let starts = |prefix: &[u8]| text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix);
    let next = |at: usize| text.get(at..).and_then(|rest| rest.trim_ascii_start().first().copied());
    if starts(b"<!doctype html") || starts(b"<html") || starts(b"<table") {
        Some("a web page (HTML), such as a report saved for Excel")
    } else if starts(b"<?xml") {
        Some("an XML document, such as an Excel XML spreadsheet")
    } else if starts(b"begin:vcard") {
        Some("a vCard address book")
    } else if (starts(b"{") && matches!(next(1), Some(b'"' | b'}')))
        || (starts(b"[") && matches!(next(1), Some(b'{' | b'[' | b']')))
    {
        Some("a JSON document")
    } else {
        None
    }
}

/// Excel's first line naming the delimiter (`sep=;`): the delimiter and the line's length
/// with its line break.
fn separator_line(text: &str) -> Option<(u8, usize)> {
    let end = text.find('\n')?;
    let line = text[..end].strip_suffix('\r').unwrap_or(&text[..end]);
    let rest = line.get(..4).filter(|p| p.eq_ignore_ascii_case("sep=")).map(|_| &line[4..])?;
    match rest.as_bytes() {
        [d @ (b',' | b';' | b'\t' | b'|')] => Some((*d, end + 1)),
        _ => None,
    }
}

/// Counts a CSV file's records over chunks, as the reader will split them: a line break
/// inside a quoted field ends no record. Any of `,` `;` tab `|` may start a field (the
/// delimiter is not known yet); a quote inside an unquoted field is text.
#[derive(Default)]
struct RecordCount {
    state: FieldState,
    records: u64,
    last: u8,
}

#[derive(Default, Clone, Copy, PartialEq)]
enum FieldState {
    #[default]
    Start,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the field's end, or the first of two (`""`).
    QuoteInQuoted,
}

impl RecordCount {
    fn feed(&mut self, chunk: &[u8]) {
        use FieldState::{QuoteInQuoted, Quoted, Start, Unquoted};
        for &b in chunk {
            self.state = match (self.state, b) {
                (Quoted, b'"') => QuoteInQuoted,
                (Quoted, _) => Quoted,
                (Start, b'"') | (QuoteInQuoted, b'"') => Quoted,
                // A line ends at "\n", "\r\n" or a lone "\r" (old Mac Excel).
                (_, b'\n') if self.last == b'\r' => Start,
                (_, b'\n' | b'\r') => {
                    self.records += 1;
                    Start
                }
                (_, b',' | b';' | b'\t' | b'|') => Start,
                _ => Unquoted,
            };
            self.last = b;
        }
    }

    /// Records in the file, the header among them (a last line without a line break counts).
    fn finish(&self) -> u64 {
        self.records + u64::from(!matches!(self.last, b'\n' | b'\r' | 0))
    }
}

/// Line ends in `chunk` ("\n", "\r\n" or a lone "\r"), `last` being the byte before it.
fn line_ends(chunk: &[u8], mut last: u8) -> u64 {
    let mut n = 0;
    for &b in chunk {
        n += u64::from(b == b'\r' || (b == b'\n' && last != b'\r'));
        last = b;
    }
    n
}

/// UTF-8 validity over chunks that may split a character, with counts of the
/// characters beyond ASCII that are UTF-8 and of the byte runs that are not.
#[derive(Default)]
struct Utf8Check {
    carry: Vec<u8>,
    multibyte: u64,
    invalid: u64,
}

impl Utf8Check {
    fn feed(&mut self, chunk: &[u8]) {
        let mut data = std::mem::take(&mut self.carry);
        data.extend_from_slice(chunk);
        let (mut multibyte, mut invalid) = (0, 0);
        let cut = walk_utf8(&data, false, |run| match run {
            Ok(text) => multibyte += count_multibyte(text.as_bytes()),
            Err(_) => invalid += 1,
        });
        self.carry = cut.to_vec();
        self.multibyte += multibyte;
        self.invalid += invalid;
    }

    fn valid(&self) -> bool {
        self.invalid == 0 && self.carry.is_empty()
    }

    /// Mostly UTF-8, with some bytes that are not: as many UTF-8 characters beyond ASCII
    /// as stray bytes at least (a Windows-1252 file makes a UTF-8 pair only by chance).
    fn mixed(&self) -> bool {
        self.invalid > 0 && self.multibyte >= 2 && self.multibyte >= self.invalid
    }
}

/// Walks `bytes` as UTF-8, giving each run of UTF-8 text (`Ok`) and each run of bytes that is
/// none (`Err`) in order; returns a character cut off at the end, to be completed by the
/// next bytes (at the end of the file, `at_end`, it is a run that is none).
fn walk_utf8<'a>(bytes: &'a [u8], at_end: bool, mut run: impl FnMut(Result<&'a str, &'a [u8]>)) -> &'a [u8] {
    let mut rest = bytes;
    loop {
        match std::str::from_utf8(rest) {
            Ok(text) => {
                run(Ok(text));
                return &[];
            }
            Err(e) => {
                let (text, after) = rest.split_at(e.valid_up_to());
                if !text.is_empty() {
                    run(Ok(std::str::from_utf8(text).unwrap_or_default()));
                }
                let n = match e.error_len() {
                    Some(n) => n,
                    None if !at_end => return after,
                    None => after.len(),
                };
                run(Err(&after[..n]));
                rest = &after[n..];
            }
        }
    }
}

/// The characters beyond ASCII in valid UTF-8: its lead bytes.
fn count_multibyte(valid: &[u8]) -> u64 {
    valid.iter().filter(|b| **b >= 0xC0).count() as u64
}

fn detect(head: &[u8], valid_utf8: bool) -> (&'static Encoding, usize) {
    if let Some((enc, len)) = Encoding::for_bom(head) {
        return (enc, len);
    }
    // UTF-16 without a BOM: ASCII text has a zero in every other byte.
    let pairs = head.len() / 2;
    if pairs >= 2 {
        let even = head.iter().step_by(2).take(pairs).filter(|b| **b == 0).count();
        let odd = head.iter().skip(1).step_by(2).take(pairs).filter(|b| **b == 0).count();
        if odd * 10 >= pairs * 4 && even * 10 < pairs {
            return (encoding_rs::UTF_16LE, 0);
        }
        if even * 10 >= pairs * 4 && odd * 10 < pairs {
            return (encoding_rs::UTF_16BE, 0);
        }
    }
    if valid_utf8 {
        return (encoding_rs::UTF_8, 0);
    }
    if looks_mac_roman(head) { (encoding_rs::MACINTOSH, 0) } else { (encoding_rs::WINDOWS_1252, 0) }
}

/// Whether a file that is not UTF-8 is Mac Roman rather than Windows-1252, by the bytes
/// next to ASCII letters: Mac Roman's é è ê ä å ç ö ú ù û ü are bytes Windows-1252 leaves
/// unused or spends on letters few Western names have (Ž š œ Ÿ), while Windows-1252's own
/// accented letters (À to ÿ) are symbols in Mac Roman. Bytes that are punctuation in
/// Windows-1252 (’ “ ” – …) count for neither, so "O’Brien" stays Windows-1252.
fn looks_mac_roman(head: &[u8]) -> bool {
    const MAC_LETTERS: [u8; 13] = [0x81, 0x83, 0x8A, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x9A, 0x9C, 0x9D, 0x9E, 0x9F];
    let (mut mac, mut windows) = (0_usize, 0_usize);
    for (i, b) in head.iter().enumerate() {
        let beside_letter =
            (i > 0 && head[i - 1].is_ascii_alphabetic()) || head.get(i + 1).is_some_and(u8::is_ascii_alphabetic);
        if !beside_letter {
            continue;
        }
        if MAC_LETTERS.contains(b) {
            mac += 1;
        } else if *b >= 0xC0 && *b != 0xD7 && *b != 0xF7 {
            windows += 1;
        }
    }
    mac >= 2 && mac > 2 * windows
}

fn decode_head(bytes: &[u8], encoding: &'static Encoding) -> String {
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(bytes.len() + 16);
    let _ = decoder.decode_to_string(bytes, &mut out, false);
    out
}

/// More than one character in a hundred is a control character, or one in ten is NUL: a few
/// stray NULs in a text file are dropped as it is read ([`WithoutNul`]).
fn looks_binary(text: &str) -> bool {
    let sample: Vec<char> = text.chars().take(8192).collect();
    let control = sample.iter().filter(|c| c.is_control() && !matches!(c, '\0' | '\t' | '\r' | '\n' | '\u{c}')).count();
    let nul = sample.iter().filter(|c| **c == '\0').count();
    control * 100 > sample.len().max(1) || nul * 10 > sample.len()
}

/// The delimiter that splits the first lines most consistently into the most fields.
fn sniff_delimiter(text: &str) -> u8 {
    let lines = logical_lines(text, 20);
    let mut best = (b',', 0_usize, 0_usize);
    for cand in [b',', b';', b'\t', b'|'] {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, cand)).collect();
        let Some(first) = counts.first().copied() else { continue };
        if first == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|c| **c == first).count();
        if (consistent, first) > (best.1, best.2) {
            best = (cand, consistent, first);
        }
    }
    best.0
}

/// The first `n` records' text, keeping quoted line breaks inside their record.
fn logical_lines(text: &str, n: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in text.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                current.push(c);
            }
            '\n' if !quoted => {
                if !current.trim().is_empty() {
                    out.push(std::mem::take(&mut current));
                }
                current.clear();
                if out.len() >= n {
                    return out;
                }
            }
            _ => current.push(c),
        }
    }
    if !current.trim().is_empty() && !quoted {
        out.push(current);
    }
    out
}

fn count_outside_quotes(line: &str, delim: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for b in line.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if b == delim && !quoted {
            n += 1;
        }
    }
    n
}

/// The file as UTF-8 bytes, transcoded on the fly when needed, without NUL characters.
pub fn utf8_reader<R: Read + Send + 'static>(mut file: R, sniffed: &Sniffed) -> anyhow::Result<Box<dyn Read + Send>> {
    let mut skip = vec![0_u8; sniffed.skip];
    file.read_exact(&mut skip).context("skipping the byte-order mark and separator line")?;
    if sniffed.mixed {
        let mixed = MixedReader { inner: file, raw: Vec::new(), out: Vec::new(), at: 0, done: false };
        return Ok(Box::new(WithoutNul(mixed)));
    }
    if sniffed.encoding == encoding_rs::UTF_8 {
        return Ok(Box::new(WithoutNul(file)));
    }
    Ok(Box::new(WithoutNul(
        encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(sniffed.encoding))
            .bom_override(false)
            .build(file),
    )))
}

/// Decoded text without its NUL characters, which no value means and PostgreSQL cannot
/// store (a legacy export's padding, a stray byte in a note): dropped as the file is read,
/// so that a file imports alike into either database.
struct WithoutNul<R>(R);

impl<R: Read> Read for WithoutNul<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            let n = self.0.read(buf)?;
            if n == 0 || !buf[..n].contains(&0) {
                return Ok(n);
            }
            let mut kept = 0;
            for i in 0..n {
                if buf[i] != 0 {
                    buf[kept] = buf[i];
                    kept += 1;
                }
            }
            // A read of NULs only is not the end of the file.
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

/// UTF-8 with stray Windows-1252 bytes, as UTF-8: each byte that is not part of a UTF-8
/// character is read as the Windows-1252 character it is.
struct MixedReader<R> {
    inner: R,
    /// Bytes read and not yet decoded: a character split between reads.
    raw: Vec<u8>,
    out: Vec<u8>,
    at: usize,
    done: bool,
}

impl<R: Read> Read for MixedReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.at == self.out.len() && !self.done {
            self.out.clear();
            self.at = 0;
            let mut chunk = [0_u8; 1 << 16];
            let n = self.inner.read(&mut chunk)?;
            self.done = n == 0;
            self.raw.extend_from_slice(&chunk[..n]);
            let out = &mut self.out;
            let rest = walk_utf8(&self.raw, self.done, |run| match run {
                Ok(text) => out.extend_from_slice(text.as_bytes()),
                Err(bytes) => {
                    for b in bytes {
                        let (c, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(std::slice::from_ref(b));
                        out.extend_from_slice(c.as_bytes());
                    }
                }
            });
            self.raw = rest.to_vec();
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// A CSV reader over the decoded file: flexible row lengths, quoted line breaks.
pub fn csv_reader(input: Box<dyn Read + Send>, sniffed: &Sniffed) -> csv::Reader<Box<dyn Read + Send>> {
    csv::ReaderBuilder::new()
        .delimiter(sniffed.delimiter)
        .flexible(true)
        .has_headers(false)
        .buffer_capacity(1 << 16)
        .from_reader(input)
}

/// The encoding a user names: a WHATWG label ("latin1", "iso-8859-1", "utf-16le",
/// "windows-1252"), or a spelling other tools use ("latin-1", "cp-1252", "win1252", "ansi",
/// Excel's "Unicode" for UTF-16, Python's "utf-8-sig", "macroman").
pub fn encoding_for_label(label: &str) -> Option<&'static Encoding> {
    let label = label.trim();
    Encoding::for_label(label.as_bytes()).or_else(|| {
        let key: String = label.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_ascii_lowercase();
        match key.as_str() {
            "latin1" | "isolatin1" | "iso88591" | "win1252" | "windows1252" | "cp1252" | "ansi" => {
                Some(encoding_rs::WINDOWS_1252)
            }
            "utf16" | "utf16le" | "unicode" => Some(encoding_rs::UTF_16LE),
            "utf16be" | "unicodebigendian" => Some(encoding_rs::UTF_16BE),
            "utf8" | "utf8sig" | "utf8bom" => Some(encoding_rs::UTF_8),
            "macroman" | "mac" | "macintosh" => Some(encoding_rs::MACINTOSH),
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn sniffed(bytes: &[u8]) -> Sniffed {
        sniff(&mut Cursor::new(bytes.to_vec()), None, None).unwrap()
    }

    #[test]
    fn encodings_by_the_names_tools_give_them() {
        for (label, name) in [
            ("latin1", "windows-1252"),
            ("latin-1", "windows-1252"),
            ("Latin_1", "windows-1252"),
            ("ISO-8859-1", "windows-1252"),
            ("cp-1252", "windows-1252"),
            ("win1252", "windows-1252"),
            ("ANSI", "windows-1252"),
            ("utf16", "UTF-16LE"),
            ("UTF-16", "UTF-16LE"),
            ("Unicode", "UTF-16LE"),
            ("utf-16be", "UTF-16BE"),
            ("utf-8-sig", "UTF-8"),
            ("UTF8", "UTF-8"),
            ("MacRoman", "macintosh"),
        ] {
            assert_eq!(encoding_for_label(label).map(Encoding::name), Some(name), "{label}");
        }
        assert!(encoding_for_label("klingon").is_none());
    }

    #[test]
    fn counts_records_not_lines() {
        let count = |text: &str, chunk: usize| {
            let mut c = RecordCount::default();
            for part in text.as_bytes().chunks(chunk) {
                c.feed(part);
            }
            c.finish()
        };
        let file = "Name,Notes\nAcme,\"line one\nline two, \"\"quoted\"\"\"\nO\"Brien Ltd,5'10\" tall\nLast,no break";
        for chunk in [1, 3, 1024] {
            assert_eq!(count(file, chunk), 4, "chunks of {chunk}");
        }
        assert_eq!(count("a;b\r\n\"x\r\ny\";z\r\n", 2), 2);
        // Old Mac Excel ends lines with "\r" alone.
        for chunk in [1, 2, 1024] {
            assert_eq!(count("Company,Phone\rAlpha,1\rBeta,2\r", chunk), 3, "chunks of {chunk}");
        }
        assert_eq!(sniffed(b"Company,Phone\rAlpha,1\rBeta,2\rGamma,3").rows_estimate, 3);
        assert_eq!(line_ends(b"a\r\nb\rc\n", 0), 3);
        assert_eq!(line_ends(b"\nx", b'\r'), 0);
    }

    #[test]
    fn stray_nuls_are_dropped_and_a_binary_file_refused() {
        let bytes = b"Company,Notes\nNul\0 Co,a\0b\n\0Plain Co,ok\n";
        let s = sniffed(bytes);
        let mut text = String::new();
        utf8_reader(Cursor::new(bytes.to_vec()), &s).unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "Company,Notes\nNul Co,ab\nPlain Co,ok\n");
        // A reader handing over NULs alone goes on to the text after them.
        let mut text = String::new();
        WithoutNul(Cursor::new(b"\0\0\0x".to_vec())).read_to_string(&mut text).unwrap();
        assert_eq!(text, "x");
        let binary: Vec<u8> = (0..4096_u32).map(|i| if i % 5 == 0 { 0 } else { b'a' + (i % 26) as u8 }).collect();
        assert!(sniff(&mut Cursor::new(binary), None, None).is_err());
    }

    #[test]
    fn reads_utf8_with_stray_windows_1252_rows() {
        let bytes =
            b"Firma,Ort\nM\xc3\xbcller GmbH,M\xc3\xbcnchen\nSch\xc3\xb6n AG,K\xc3\xb6ln\nCaf\xe9 Bistro,Br\xfchl\n";
        let s = sniffed(bytes);
        assert!(s.mixed && s.encoding == encoding_rs::UTF_8);
        let mut text = String::new();
        utf8_reader(Cursor::new(bytes.to_vec()), &s).unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(
            text,
            "Firma,Ort\nM\u{fc}ller GmbH,M\u{fc}nchen\nSch\u{f6}n AG,K\u{f6}ln\nCaf\u{e9} Bistro,Br\u{fc}hl\n"
        );
        // A UTF-8 character split between two reads of the file stays whole.
        let long: Vec<u8> =
            [&b"N,C\n"[..], &vec![b'a'; (1 << 16) - 5], "\u{e9}\u{e9}\n".as_bytes(), b"\xe9x\n"].concat();
        let s = sniffed(&long);
        assert!(s.mixed);
        let mut text = String::new();
        utf8_reader(Cursor::new(long), &s).unwrap().read_to_string(&mut text).unwrap();
        assert!(text.ends_with("a\u{e9}\u{e9}\n\u{e9}x\n"), "{}", &text[text.len() - 10..]);
        // A Windows-1252 file stays one.
        assert!(!sniffed(b"Name,City\nM\xfcller,K\xf6ln\n").mixed);
    }

    #[test]
    fn detects_encodings() {
        assert_eq!(sniffed(b"Name,City\nA,B\n").encoding, encoding_rs::UTF_8);
        assert_eq!(sniffed(b"\xEF\xBB\xBFName,City\n").skip, 3);
        assert_eq!(sniffed(b"Name,City\nM\xfcller,K\xf6ln\n").encoding, encoding_rs::WINDOWS_1252);
        assert_eq!(sniffed(b"Name,City\nCaf\xe9 Zo\xeb,S\xe3o Paulo\n").encoding, encoding_rs::WINDOWS_1252);
        // Excel for Mac: "Müller,Köln" and "Café,Größe" in Mac Roman.
        assert_eq!(sniffed(b"Name,City\nM\x9fller,K\x9aln\n").encoding, encoding_rs::MACINTOSH);
        assert_eq!(sniffed(b"Name,Note\nCaf\x8e,Gr\x9a\xa7e\n").encoding, encoding_rs::MACINTOSH);
        // Windows-1252 with typographic quotes and no accents.
        let quotes = b"Name,Note\nO\x92Brien\x92s,\x93Don\x92t call\x94 \x96 ask for Tim\x85\n";
        assert_eq!(sniffed(quotes).encoding, encoding_rs::WINDOWS_1252);
        assert_eq!(sniffed(b"Name,City\n\x8aime\x9a Fran\xe7ois,K\xf8benhavn\n").encoding, encoding_rs::WINDOWS_1252);
        let utf16: Vec<u8> = "Name;City\nA;B\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let s = sniffed(&utf16);
        assert_eq!((s.encoding, s.delimiter), (encoding_rs::UTF_16LE, b';'));
    }

    #[test]
    fn names_documents_that_are_not_csv() {
        let refused = |bytes: &[u8]| sniff(&mut Cursor::new(bytes.to_vec()), None, None).unwrap_err().0;
        assert!(refused(b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n").contains("a PDF document"));
        assert!(refused(b"PK\x03\x04\x14\0\0\0\x08\0").contains("Excel"));
        assert!(refused(b"{\\rtf1\\ansi Name,Phone}").contains("RTF"));
        assert!(refused(b"\xEF\xBB\xBF  [\n  {\"name\": \"Acme\", \"phone\": \"1\"}\n]").contains("JSON"));
        assert!(refused(b"{\"leads\":[]}").contains("JSON"));
        assert!(refused(b"<!DOCTYPE html>\n<table><tr><td>Name</td></tr></table>").contains("HTML"));
        assert!(refused(b"<?xml version=\"1.0\"?>\n<Workbook>").contains("XML"));
        assert!(refused(b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Lee\r\n").contains("vCard"));
        // CSV files that merely start with a bracket or a brace stay CSV.
        assert_eq!(sniffed(b"[Name],[Phone]\nAcme,1\n").delimiter, b',');
        assert_eq!(sniffed(b"{Name};Phone\nAcme;1\n").delimiter, b';');
    }

    #[test]
    fn sniffs_delimiters_around_quotes() {
        assert_eq!(sniffed(b"a;b;c\n\"x,y\";2;3\n").delimiter, b';');
        assert_eq!(sniffed(b"a\tb\n1\t2\n").delimiter, b'\t');
        assert_eq!(sniffed(b"Name\nAcme\n").delimiter, b',');
    }

    #[test]
    fn reads_excels_separator_line() {
        let s = sniffed(b"\xEF\xBB\xBFsep=;\r\nName;City\r\nA,B;C\r\n");
        assert_eq!((s.delimiter, s.skip), (b';', 3 + 7));
        assert_eq!(sniffed(b"SEP=|\nName|City\n").skip, 6);
        let utf16: Vec<u8> = "sep=\t\nName\tCity\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let s = sniffed(&utf16);
        assert_eq!((s.delimiter, s.skip), (b'\t', 12));
        // Not a separator line: a header that happens to start so.
        assert_eq!(sniffed(b"sep=;x,Name\nA,B\n").skip, 0);
    }

    #[test]
    fn refuses_empty_and_binary_files() {
        assert!(sniff(&mut Cursor::new(Vec::new()), None, None).is_err());
        assert!(sniff(&mut Cursor::new(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0".to_vec()), None, None).is_err());
    }
}
