//! Arbitrary bytes through the CSV path: reading, sniffing, mapping and preparing
//! rows must never panic.

use super::{
    ImportOptions,
    engine::open,
    leads::{LeadContext, prepare},
    source,
};
use leadline_domain::mapping::ImportKind;
use proptest::prelude::*;

fn run(bytes: &[u8]) {
    let path = std::env::temp_dir().join(format!("leadline-fuzz-{}.csv", uuid::Uuid::now_v7().simple()));
    std::fs::write(&path, bytes).unwrap();
    for kind in ImportKind::ALL {
        if let Ok((sniffed, columns)) = open(&path, kind, &ImportOptions::default()) {
            let file = std::fs::File::open(&path).unwrap();
            let mut reader = source::csv_reader(source::utf8_reader(file, &sniffed).unwrap(), &sniffed);
            let ctx = LeadContext {
                columns,
                region: leadline_domain::Region::parse("US").ok(),
                owners: crate::import::engine::Owners::default(),
                importer: None,
                match_domain: true,
                statuses: Default::default(),
                tags: Vec::new(),
            };
            let mut rec = csv::ByteRecord::new();
            let mut line = 0;
            while let Ok(true) = reader.read_byte_record(&mut rec) {
                line += 1;
                if kind == ImportKind::Leads {
                    let _ = prepare(&ctx, line, &rec);
                }
            }
        }
    }
    let _ = std::fs::remove_file(&path);
}

/// Text that looks like CSV: headers the mapping knows, quotes, delimiters, line breaks.
fn csvish() -> impl Strategy<Value = Vec<u8>> {
    let cell = prop_oneof![
        Just("Company".to_owned()),
        Just("Email".to_owned()),
        Just("Phone".to_owned()),
        Just("Name".to_owned()),
        Just("Country".to_owned()),
        Just("\"".to_owned()),
        Just("\"\"".to_owned()),
        Just("+1 206 555 0100".to_owned()),
        Just("a@b.example".to_owned()),
        Just("Ä€😀".to_owned()),
        "[ -~]{0,12}",
        "\\PC{0,6}",
    ];
    let sep = prop_oneof![Just(","), Just(";"), Just("\t"), Just("\n"), Just("\r\n"), Just("|")];
    proptest::collection::vec((cell, sep), 0..60)
        .prop_map(|parts| parts.into_iter().flat_map(|(c, s)| format!("{c}{s}").into_bytes()).collect::<Vec<u8>>())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
        run(&bytes);
    }

    #[test]
    fn csv_like_text_never_panics(bytes in csvish()) {
        run(&bytes);
    }
}
