//! Hostile configuration files: `Config::from_toml_str` never panics, whatever the text, and every error on
//! valid TOML names the key (or section) at fault, one that is really in the file.

use fmd_core::Config;
use proptest::prelude::*;
use toml::{Table, Value};

/// Every section and key the parser knows, plus a few near misses and strangers.
const SECTIONS: &[&str] =
    &["dashboard", "authentication", "database", "visualization", "recorder", "dashbord", "Dashboard", "", "x.y"];
const KEYS: &[&str] = &[
    "app_version",
    "git",
    "custom_link",
    "monitor_level",
    "outlier_detection_constant",
    "outlier_min_samples",
    "sampling_period_ms",
    "enable_logging",
    "username",
    "password_hash",
    "path",
    "table_prefix",
    "timezone",
    "colors",
    "queue_capacity",
    "client_ip_header",
    "level_poll_ms",
    "monitor_lvl",
    "",
    "\u{1b}[31m",
];

/// Strings that poke at the validators: empty, blank, huge, control characters, URLs, zones, hashes.
fn nasty_string() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        Just(String::new()),
        Just("   ".to_string()),
        Just("x".repeat(5_000)),
        Just("\u{1b}]0;pwned\u{7}\0\u{202e}".to_string()),
        Just("sqlite:///".to_string()),
        Just("sqlite:////abs/x.db".to_string()),
        Just("postgresql://u@h/db".to_string()),
        Just("Europe/Amsterdam".to_string()),
        Just("local".to_string()),
        Just("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string()),
        Just("[255, 0, 10]".to_string()),
        Just("[999999999999999999999, -1, 3]".to_string()),
        "[a-z_/ .?#-]{0,12}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        nasty_string().prop_map(Value::String),
        any::<i64>().prop_map(Value::Integer),
        prop_oneof![Just(0i64), Just(1), Just(3), Just(4), Just(-1), Just(16), Just(16_777_217), Just(i64::MIN)]
            .prop_map(Value::Integer),
        any::<f64>().prop_map(Value::Float),
        prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-0.0), Just(1e300), Just(2.5)].prop_map(Value::Float),
        any::<bool>().prop_map(Value::Boolean),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![prop::sample::select(KEYS).prop_map(str::to_string), any::<String>()],
                inner,
                0..4
            )
            .prop_map(|m| Value::Table(m.into_iter().collect())),
        ]
    })
}

fn section() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => prop::collection::btree_map(
            prop_oneof![4 => prop::sample::select(KEYS).prop_map(str::to_string), 1 => any::<String>()],
            value(),
            0..5,
        )
        .prop_map(|m| Value::Table(m.into_iter().collect())),
        1 => leaf(),
    ]
}

fn table() -> impl Strategy<Value = Table> {
    prop::collection::btree_map(
        prop_oneof![4 => prop::sample::select(SECTIONS).prop_map(str::to_string), 1 => any::<String>()],
        section(),
        0..5,
    )
    .prop_map(|m| m.into_iter().collect())
}

/// How an error message shows a section or key name: bare when TOML allows it, else quoted.
fn shown_name(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

/// Checks what `from_toml_str` made of `table` (written out as TOML text).
fn check_table(table: &Table) -> Result<(), TestCaseError> {
    let Ok(text) = toml::to_string(table) else {
        return Ok(()); // not expressible as a TOML document
    };
    match Config::from_toml_str(&text, "fuzz.toml") {
        Ok(config) => {
            prop_assert!(config.dashboard.monitor_level <= 3);
            prop_assert!((16..=16_777_216).contains(&config.recorder.queue_capacity));
            prop_assert!((10..=60_000).contains(&config.recorder.level_poll_ms));
            prop_assert!(config.dashboard.outlier_detection_constant.is_finite());
            prop_assert!(config.dashboard.sampling_period_ms.is_finite());
        }
        Err(e) => {
            prop_assert_eq!(&e.origin, "fuzz.toml");
            prop_assert!(!e.reason.is_empty());
            let shown = e.to_string();
            prop_assert!(shown.starts_with("fuzz.toml: "), "{}", shown);
            // The file parsed as TOML, so the problem is a section or key: it is named (quoted when it is empty
            // or not a bare TOML key), and it is in the file.
            prop_assert!(!e.key.is_empty(), "no key named: {} for\n{}", shown, text);
            let named = table.iter().any(|(section, value)| {
                e.key == shown_name(section)
                    || e.key.strip_prefix(section.as_str()).and_then(|rest| rest.strip_prefix('.')).is_some_and(
                        |key| matches!(value, Value::Table(entries) if entries.keys().any(|k| shown_name(k) == key)),
                    )
            });
            prop_assert!(named, "the error names {:?}, which is not in\n{}", e.key, text);
            prop_assert!(shown.contains(&format!("`{}`", e.key)), "{}", shown);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        if let Err(e) = Config::from_toml_str(&text, "fuzz.toml") {
            prop_assert!(e.to_string().starts_with("fuzz.toml: "));
        }
    }

    #[test]
    fn toml_looking_text_never_panics(
        lines in prop::collection::vec(
            prop_oneof![
                prop::sample::select(SECTIONS).prop_map(|s| format!("[{s}]")),
                (prop::sample::select(KEYS), "[ -~]{0,20}").prop_map(|(k, v)| format!("{k} = {v}")),
                "[ -~]{0,30}",
            ],
            0..12,
        )
    ) {
        let text = lines.join("\n");
        if let Err(e) = Config::from_toml_str(&text, "fuzz.toml") {
            prop_assert!(e.to_string().starts_with("fuzz.toml: "));
        }
    }

    #[test]
    fn arbitrary_tables_never_panic_and_errors_name_the_key(table in table()) {
        check_table(&table)?;
    }
}

#[test]
fn every_known_key_with_every_kind_of_value() {
    let sections: [(&str, &[&str]); 5] = [
        (
            "dashboard",
            &[
                "app_version",
                "git",
                "custom_link",
                "monitor_level",
                "outlier_detection_constant",
                "outlier_min_samples",
                "sampling_period_ms",
                "enable_logging",
            ],
        ),
        ("authentication", &["username", "password_hash"]),
        ("database", &["path", "table_prefix"]),
        ("visualization", &["timezone", "colors"]),
        ("recorder", &["queue_capacity", "client_ip_header", "level_poll_ms"]),
    ];
    let values = [
        Value::String(String::new()),
        Value::String("x".repeat(10_000)),
        Value::String("\u{1b}[2J".into()),
        Value::Integer(i64::MIN),
        Value::Integer(i64::MAX),
        Value::Integer(-1),
        Value::Float(f64::NAN),
        Value::Float(f64::NEG_INFINITY),
        Value::Boolean(true),
        Value::Array(vec![Value::Integer(300), Value::Integer(-5), Value::Integer(1)]),
        Value::Array(vec![]),
        Value::Table(Table::new()),
        Value::Table(
            [("a".to_string(), Value::String("[1, 2, 999999999999999999999999]".into()))].into_iter().collect(),
        ),
        Value::Table([("a".to_string(), Value::Table(Table::new()))].into_iter().collect()),
    ];
    for (section, keys) in sections {
        for key in keys {
            for value in &values {
                let mut entries = Table::new();
                entries.insert((*key).to_string(), value.clone());
                let mut table = Table::new();
                table.insert(section.to_string(), Value::Table(entries));
                if let Err(e) = check_table(&table) {
                    panic!("{section}.{key} = {value}: {e}");
                }
            }
        }
    }
}
