//! The shape of generated traffic: how many endpoints and how their load is spread, how many users and client
//! addresses, which errors at which rate, which versions, over how many days; and the named presets of
//! `fmd generate --shape`.

use crate::failure::Failure;

/// How the requests are spread over the endpoints.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Load {
    /// Every endpoint equally busy.
    Uniform,
    /// The k-th endpoint (from 0) gets a share proportional to 1 / (k + 1)^s.
    Zipf(f64),
}

impl Load {
    /// Parses `uniform`, `zipf` (s = 1) or `zipf:S` (S > 0).
    pub fn parse(text: &str) -> Result<Load, Failure> {
        let bad =
            || Failure::Input(format!("--load {text}: expected uniform, zipf or zipf:S with S > 0 (e.g. zipf:1.2)"));
        match text.split_once(':') {
            None if text == "uniform" => Ok(Load::Uniform),
            None if text == "zipf" => Ok(Load::Zipf(1.0)),
            Some(("zipf", s)) => match s.parse::<f64>() {
                Ok(s) if s.is_finite() && s > 0.0 && s <= 10.0 => Ok(Load::Zipf(s)),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }

    /// The relative weight of the `k`-th endpoint (from 0).
    pub fn weight(self, k: usize) -> f64 {
        match self {
            Load::Uniform => 1.0,
            Load::Zipf(s) => 1.0 / (k as f64 + 1.0).powf(s),
        }
    }
}

/// One version of the service: its name, when it starts (a fraction of the period, the first at 0) and how
/// much slower (> 1) or faster (< 1) its requests are than the endpoints' usual latency.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// `version_requested`.
    pub name: String,
    /// Start as a fraction of the period, in [0, 1).
    pub from: f64,
    /// Factor on every duration of this version.
    pub latency: f64,
}

/// `n` versions of equal length with the same latency: `1.0`, `1.1`, `2.0` for three (the default), `1.0`,
/// `1.1`, ... otherwise.
pub fn even_versions(n: u32) -> Vec<Version> {
    (0..n.max(1))
        .map(|i| {
            let name = match (n, i) {
                (3, 2) => "2.0".to_string(),
                (_, i) => format!("1.{i}"),
            };
            Version { name, from: f64::from(i) / f64::from(n.max(1)), latency: 1.0 }
        })
        .collect()
}

/// Everything about generated traffic except its size and seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// Endpoints.
    pub endpoints: u32,
    /// Endpoint names, used in order (then `/v2/...` variants of the built-in routes); empty: the built-in
    /// routes.
    pub routes: Vec<String>,
    /// Median durations in ms of the first endpoints, in order (the others' are drawn from 0.2-50 ms).
    pub medians_ms: Vec<f64>,
    /// Spread of the requests over the endpoints.
    pub load: Load,
    /// Distinct users (group-by values `user00`, ...); a few heavy users and a long tail.
    pub users: u32,
    /// Names of the first users (then `user07`, ...); empty: every user is numbered.
    pub user_names: Vec<String>,
    /// Distinct client addresses, spread with a few busy ones and a long tail; `None`: a handful of addresses
    /// per user's subnet (the default shape).
    pub ips: Option<u32>,
    /// Share of requests that fail, the same for every endpoint; `None`: a low rate per endpoint and 8 % on
    /// every 7th (the default shape).
    pub error_rate: Option<f64>,
    /// The status codes of failed requests, equally likely.
    pub error_codes: Vec<u16>,
    /// Versions, in order of their start.
    pub versions: Vec<Version>,
    /// Days of traffic.
    pub days: u32,
}

/// The names `--shape` accepts, with what each is for.
pub const PRESETS: &[(&str, &str)] = &[
    ("default", "12 endpoints, Zipf load, 40 users, few addresses, low error rates, 3 versions"),
    ("heavy-tail", "40 endpoints with a steep Zipf load, 50 users, 1600 addresses, 4 % errors over 4 codes"),
    ("many-ips", "12 endpoints, 5000 users, 200000 client addresses"),
    ("many-versions", "12 endpoints, 60 versions (a release every 12 hours over 30 days)"),
    ("uniform", "40 endpoints all equally busy, 50 users, 1600 addresses, 4 % errors"),
];

impl Shape {
    /// The preset called `name` (see [`PRESETS`]).
    pub fn preset(name: &str) -> Result<Shape, Failure> {
        let default = Shape {
            endpoints: 12,
            routes: Vec::new(),
            medians_ms: Vec::new(),
            load: Load::Zipf(1.0),
            users: 40,
            user_names: Vec::new(),
            ips: None,
            error_rate: None,
            error_codes: vec![500, 502, 404, 400, 503],
            versions: even_versions(3),
            days: 30,
        };
        let foreign = Shape {
            endpoints: 40,
            load: Load::Zipf(1.2),
            users: 50,
            ips: Some(1600),
            error_rate: Some(0.04),
            error_codes: vec![404, 500, 503, 401],
            ..default.clone()
        };
        Ok(match name {
            "default" => default,
            "heavy-tail" => foreign,
            "uniform" => Shape { load: Load::Uniform, ..foreign },
            "many-ips" => Shape { users: 5000, ips: Some(200_000), ..default },
            "many-versions" => Shape { versions: even_versions(60), ..default },
            _ => {
                let names: Vec<&str> = PRESETS.iter().map(|(n, _)| *n).collect();
                return Err(Failure::Input(format!("--shape {name}: unknown shape; one of {}", names.join(", "))));
            }
        })
    }
}

/// Parses `--error-codes 404,500,503`: status codes 100-599, at least one.
pub fn parse_codes(text: &str) -> Result<Vec<u16>, Failure> {
    let codes: Result<Vec<u16>, _> = text.split(',').map(|c| c.trim().parse::<u16>()).collect();
    match codes {
        Ok(codes) if !codes.is_empty() && codes.iter().all(|c| (100..=599).contains(c)) => Ok(codes),
        _ => Err(Failure::Input(format!(
            "--error-codes {text}: expected a comma-separated list of HTTP status codes 100-599 (e.g. 404,500,503)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_and_codes_parse_or_say_what_is_wrong() {
        assert_eq!(Load::parse("uniform").ok(), Some(Load::Uniform));
        assert_eq!(Load::parse("zipf").ok(), Some(Load::Zipf(1.0)));
        assert_eq!(Load::parse("zipf:1.5").ok(), Some(Load::Zipf(1.5)));
        for bad in ["zipf:0", "zipf:-1", "zipf:x", "pareto", ""] {
            assert!(Load::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_codes("404, 500").ok(), Some(vec![404, 500]));
        for bad in ["", "404,", "99", "600", "abc"] {
            assert!(parse_codes(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_preset_exists_and_unknown_names_are_refused() {
        for (name, _) in PRESETS {
            assert!(Shape::preset(name).is_ok(), "{name}");
        }
        assert!(Shape::preset("nope").is_err());
        let names: Vec<String> = even_versions(3).into_iter().map(|v| v.name).collect();
        assert_eq!(names, ["1.0", "1.1", "2.0"]);
        assert_eq!(even_versions(60).len(), 60);
    }
}
