//! Password hashes for the dashboard's users (FMD's `User.password_hash`).
//!
//! Two formats, both written and verified here:
//!
//! * **Argon2id** (the default, [`Scheme::Argon2id`]): a PHC string such as
//!   `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` (about 97 characters), with the `argon2` crate's default
//!   parameters (OWASP's: 19 MiB, 2 passes, 1 lane) and a random 16-byte salt. Argon2i and Argon2d strings
//!   verify too.
//! * **Werkzeug's pbkdf2** ([`Scheme::Werkzeug`]): `pbkdf2:sha256:1000000$<salt>$<hex>`, exactly what
//!   Werkzeug 3.1's `generate_password_hash(pw, "pbkdf2")` writes and Python FMD checks at its login: a salt of
//!   16 characters of `[A-Za-z0-9]`, and the hex of PBKDF2-HMAC-SHA256 of the password's UTF-8 with the salt's
//!   UTF-8 as salt. Verification also takes `pbkdf2:sha512`, and Werkzeug's defaults when the hash name or the
//!   iteration count is absent (`pbkdf2$…` is SHA-256, `pbkdf2:sha256$…` is 1,000,000 iterations).
//!
//! Hashing is slow by design (about a second of CPU for Werkzeug's format, a few tens of milliseconds and 19 MiB
//! for Argon2id): call these off async executor threads. Comparisons are constant-time. No error message of
//! this module quotes a password or a hash.

use argon2::password_hash::{self, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use subtle::ConstantTimeEq;

/// Werkzeug 3.1's `DEFAULT_PBKDF2_ITERATIONS`: what [`hash`] writes and what a Werkzeug hash without an
/// iteration count means.
pub const WERKZEUG_ITERATIONS: u32 = 1_000_000;

/// The fewest characters a new password may have ([`check_new_password`]).
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Werkzeug's `SALT_CHARS` and the salt length `generate_password_hash` uses.
const SALT_CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const WERKZEUG_SALT_LEN: usize = 16;

/// Most iterations a stored Werkzeug hash may ask for: a larger count is refused rather than spending minutes
/// of CPU on one verification.
const MAX_ITERATIONS: u32 = 100_000_000;

/// How [`hash`] writes a new password hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scheme {
    /// Argon2id PHC string (fmd's default).
    #[default]
    Argon2id,
    /// Werkzeug's `pbkdf2:sha256:1000000$salt$hex`, which Python FMD can check too.
    Werkzeug,
}

/// What went wrong hashing or verifying a password. The messages never contain the password or the hash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// A new password is empty.
    #[error("the password is empty")]
    Empty,
    /// A new password is shorter than [`MIN_PASSWORD_CHARS`].
    #[error("the password is too short: {chars} characters, at least {MIN_PASSWORD_CHARS} are needed")]
    TooShort {
        /// Its length in characters.
        chars: usize,
    },
    /// A known kind of password hash that fmd does not verify (e.g. Werkzeug's `scrypt`, bcrypt).
    #[error("{0} password hashes are not supported (fmd verifies Argon2 PHC strings and Werkzeug pbkdf2 hashes)")]
    UnsupportedScheme(String),
    /// Not a password hash of any kind fmd recognises (perhaps a clear-text password).
    #[error("not a password hash: expected an Argon2 PHC string ($argon2id$...) or a Werkzeug pbkdf2 hash (pbkdf2:sha256:...)")]
    Unrecognized,
    /// A hash of a supported kind that does not parse.
    #[error("malformed {scheme} password hash: {problem}")]
    Malformed {
        /// `argon2` or `Werkzeug pbkdf2`.
        scheme: &'static str,
        /// What is wrong (never the hash's text).
        problem: String,
    },
    /// The system's random number generator failed (no salt).
    #[error("no random salt: {0}")]
    Random(String),
    /// Argon2 refused to hash.
    #[error("argon2: {0}")]
    Argon2(String),
}

/// Checks a password chosen by a user: not empty, at least [`MIN_PASSWORD_CHARS`] characters.
pub fn check_new_password(password: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars == 0 {
        return Err(PasswordError::Empty);
    }
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort { chars });
    }
    Ok(())
}

/// Hashes `password` with a new random salt in `scheme`'s format. Slow by design (see the module
/// documentation). Does not judge the password; see [`check_new_password`].
pub fn hash(password: &str, scheme: Scheme) -> Result<String, PasswordError> {
    match scheme {
        Scheme::Argon2id => {
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes).map_err(|e| PasswordError::Random(e.to_string()))?;
            let salt = SaltString::encode_b64(&bytes).map_err(|e| PasswordError::Argon2(e.to_string()))?;
            let hash = Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map_err(|e| PasswordError::Argon2(e.to_string()))?;
            Ok(hash.to_string())
        }
        Scheme::Werkzeug => hash_werkzeug(password, WERKZEUG_ITERATIONS),
    }
}

/// Werkzeug's `pbkdf2:sha256:{iterations}$salt$hex` with a random salt (tests use fewer iterations).
pub(crate) fn hash_werkzeug(password: &str, iterations: u32) -> Result<String, PasswordError> {
    let salt = werkzeug_salt()?;
    let hex = pbkdf2_hex(Digest::Sha256, password, &salt, iterations);
    Ok(format!("pbkdf2:sha256:{iterations}${salt}${hex}"))
}

/// 16 characters of [`SALT_CHARS`], uniformly (bytes of 248 and above are drawn again).
fn werkzeug_salt() -> Result<String, PasswordError> {
    let mut salt = String::with_capacity(WERKZEUG_SALT_LEN);
    let limit = 256 - 256 % SALT_CHARS.len();
    while salt.len() < WERKZEUG_SALT_LEN {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| PasswordError::Random(e.to_string()))?;
        for b in bytes.iter().map(|&b| usize::from(b)).filter(|&b| b < limit) {
            if salt.len() < WERKZEUG_SALT_LEN {
                salt.push(char::from(SALT_CHARS[b % SALT_CHARS.len()]));
            }
        }
    }
    Ok(salt)
}

/// True when `password` matches `stored`, an Argon2 PHC string or a Werkzeug pbkdf2 hash (constant-time
/// comparison). A stored value of another kind, or one that does not parse, is an error that says which
/// kind it is (never its text), not `false`.
pub fn verify(stored: &str, password: &str) -> Result<bool, PasswordError> {
    match parse(stored)? {
        Parsed::Argon2(hash) => match Argon2::default().verify_password(password.as_bytes(), &hash) {
            Ok(()) => Ok(true),
            Err(password_hash::Error::Password) => Ok(false),
            Err(e) => Err(PasswordError::Malformed { scheme: "argon2", problem: e.to_string() }),
        },
        Parsed::Werkzeug { digest, iterations, salt, hex } => {
            let computed = pbkdf2_hex(digest, password, salt, iterations);
            Ok(computed.as_bytes().ct_eq(hex.as_bytes()).into())
        }
    }
}

/// True when `s` is a password hash [`verify`] can check (a well-formed Argon2 PHC string or Werkzeug pbkdf2
/// hash), false for anything else, such as a clear-text password.
pub fn is_hash(s: &str) -> bool {
    parse(s).is_ok()
}

/// [`is_hash`] with the reason when it is not: [`PasswordError::Unrecognized`] (perhaps clear text),
/// [`PasswordError::UnsupportedScheme`] or [`PasswordError::Malformed`]. Cheap: nothing is hashed.
pub fn check_hash(s: &str) -> Result<(), PasswordError> {
    parse(s).map(|_| ())
}

/// A short name of the kind of `stored`: `argon2id`, `argon2i`, `argon2d`, `werkzeug pbkdf2`, or `unknown`
/// (also for a malformed hash).
pub fn scheme_name(stored: &str) -> &'static str {
    match parse(stored) {
        Ok(Parsed::Argon2(hash)) => match hash.algorithm.as_str() {
            "argon2id" => "argon2id",
            "argon2i" => "argon2i",
            _ => "argon2d",
        },
        Ok(Parsed::Werkzeug { .. }) => "werkzeug pbkdf2",
        Err(_) => "unknown",
    }
}

/// The hash functions of Werkzeug's pbkdf2 that fmd computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Digest {
    Sha256,
    Sha512,
}

/// A stored hash, parsed.
enum Parsed<'a> {
    Argon2(Box<PasswordHash<'a>>),
    Werkzeug { digest: Digest, iterations: u32, salt: &'a str, hex: &'a str },
}

/// Kinds of PHC / crypt(3) strings (`$id$...`) that are known but not verified here, by id.
const OTHER_PHC: &[(&str, &str)] = &[
    ("scrypt", "scrypt"),
    ("7", "scrypt"),
    ("y", "yescrypt"),
    ("2a", "bcrypt"),
    ("2b", "bcrypt"),
    ("2x", "bcrypt"),
    ("2y", "bcrypt"),
    ("1", "MD5-crypt"),
    ("5", "SHA-256-crypt"),
    ("6", "SHA-512-crypt"),
    ("pbkdf2", "PHC pbkdf2"),
    ("pbkdf2-sha1", "PHC pbkdf2"),
    ("pbkdf2-sha256", "PHC pbkdf2"),
    ("pbkdf2-sha512", "PHC pbkdf2"),
    ("balloon", "balloon"),
];

/// Werkzeug methods (the part before the first `:` or `$`) other than pbkdf2: scrypt (Werkzeug 3's default)
/// and the salted digests of Werkzeug before 2.3.
const OTHER_WERKZEUG: &[&str] = &["scrypt", "plain", "md5", "sha1", "sha224", "sha256", "sha384", "sha512"];

/// hashlib names Werkzeug's pbkdf2 may carry that fmd does not compute.
const OTHER_PBKDF2_DIGESTS: &[&str] =
    &["md5", "sha1", "sha224", "sha384", "sha3_224", "sha3_256", "sha3_384", "sha3_512", "blake2b", "blake2s"];

fn parse(stored: &str) -> Result<Parsed<'_>, PasswordError> {
    if let Some(rest) = stored.strip_prefix('$') {
        let id = rest.split('$').next().unwrap_or_default();
        if id.starts_with("argon2") {
            return parse_argon2(stored).map(|hash| Parsed::Argon2(Box::new(hash)));
        }
        return match OTHER_PHC.iter().find(|(known, _)| *known == id) {
            Some((_, name)) => Err(PasswordError::UnsupportedScheme((*name).to_string())),
            None => Err(PasswordError::Unrecognized),
        };
    }
    let Some((method, rest)) = stored.split_once('$') else {
        return Err(PasswordError::Unrecognized);
    };
    let mut args = method.split(':');
    let name = args.next().unwrap_or_default();
    if name != "pbkdf2" {
        return match OTHER_WERKZEUG.iter().find(|known| **known == name) {
            Some(known) => Err(PasswordError::UnsupportedScheme(format!("Werkzeug {known}"))),
            None => Err(PasswordError::Unrecognized),
        };
    }
    let malformed =
        |problem: &str| PasswordError::Malformed { scheme: "Werkzeug pbkdf2", problem: problem.to_string() };
    let args: Vec<&str> = args.collect();
    let (digest_name, iterations) = match args.as_slice() {
        [] => ("sha256", WERKZEUG_ITERATIONS),
        [digest] => (*digest, WERKZEUG_ITERATIONS),
        [digest, iterations] => {
            if iterations.is_empty() || !iterations.bytes().all(|b| b.is_ascii_digit()) {
                return Err(malformed("the iteration count is not a number"));
            }
            let n: u32 = iterations.parse().map_err(|_| malformed("the iteration count is too large"))?;
            if n == 0 {
                return Err(malformed("the iteration count is 0"));
            }
            if n > MAX_ITERATIONS {
                return Err(malformed("the iteration count is above 100,000,000"));
            }
            (*digest, n)
        }
        _ => return Err(malformed("more than two parameters after pbkdf2")),
    };
    let digest = match digest_name {
        "sha256" => Digest::Sha256,
        "sha512" => Digest::Sha512,
        other => {
            return match OTHER_PBKDF2_DIGESTS.iter().find(|known| **known == other) {
                Some(known) => Err(PasswordError::UnsupportedScheme(format!("Werkzeug pbkdf2:{known}"))),
                None => Err(malformed("unknown hash function")),
            }
        }
    };
    let Some((salt, hex)) = rest.split_once('$') else {
        return Err(malformed("no `$` between the salt and the hash"));
    };
    if salt.is_empty() {
        return Err(malformed("the salt is empty"));
    }
    let want = match digest {
        Digest::Sha256 => 64,
        Digest::Sha512 => 128,
    };
    if hex.len() != want || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(malformed(if digest == Digest::Sha256 {
            "the hash is not 64 lowercase hex digits"
        } else {
            "the hash is not 128 lowercase hex digits"
        }));
    }
    Ok(Parsed::Werkzeug { digest, iterations, salt, hex })
}

fn parse_argon2(stored: &str) -> Result<PasswordHash<'_>, PasswordError> {
    let malformed = |e: password_hash::Error| PasswordError::Malformed { scheme: "argon2", problem: e.to_string() };
    let hash = PasswordHash::new(stored).map_err(malformed)?;
    if !matches!(hash.algorithm.as_str(), "argon2id" | "argon2i" | "argon2d") {
        return Err(PasswordError::Malformed { scheme: "argon2", problem: "unknown Argon2 variant".into() });
    }
    argon2::Params::try_from(&hash).map_err(malformed)?;
    if hash.salt.is_none() || hash.hash.is_none() {
        return Err(PasswordError::Malformed { scheme: "argon2", problem: "no salt or no hash".into() });
    }
    Ok(hash)
}

/// PBKDF2-HMAC of the password's UTF-8 with the salt's UTF-8, as lowercase hex (Python's `.hex()`).
fn pbkdf2_hex(digest: Digest, password: &str, salt: &str, iterations: u32) -> String {
    match digest {
        Digest::Sha256 => to_hex(&fmd_kdf::pbkdf2_hmac_sha256(password.as_bytes(), salt.as_bytes(), iterations)),
        Digest::Sha512 => to_hex(&fmd_kdf::pbkdf2_hmac_sha512(password.as_bytes(), salt.as_bytes(), iterations)),
    }
}

fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Made by Python (`hashlib.pbkdf2_hmac("sha256", b"correct horse", b"q3ZxN0b8YpLw2TfR", 1_000_000).hex()`),
    /// in the exact format of Werkzeug 3.1's `generate_password_hash("correct horse", "pbkdf2")`.
    const WERKZEUG_1M: &str =
        "pbkdf2:sha256:1000000$q3ZxN0b8YpLw2TfR$e7622a2e4cf8fba131dc356b3eab61127b717c59436aadc38a4bce5f26cfbb71";

    #[test]
    fn a_real_werkzeug_hash_of_a_million_iterations_verifies() {
        assert!(is_hash(WERKZEUG_1M));
        assert_eq!(scheme_name(WERKZEUG_1M), "werkzeug pbkdf2");
        assert_eq!(verify(WERKZEUG_1M, "correct horse"), Ok(true));
        assert_eq!(verify(WERKZEUG_1M, "correct horsf"), Ok(false));
    }

    #[test]
    fn werkzeug_hashes_round_trip_in_werkzeug_format() {
        let h = hash_werkzeug("s3cret pass", 1000).expect("hash");
        let (method, rest) = h.split_once('$').expect("method");
        let (salt, hex) = rest.split_once('$').expect("salt");
        assert_eq!(method, "pbkdf2:sha256:1000");
        assert_eq!(salt.len(), 16);
        assert!(salt.bytes().all(|b| b.is_ascii_alphanumeric()), "{salt}");
        assert_eq!(hex.len(), 64);
        assert_eq!(verify(&h, "s3cret pass"), Ok(true));
        assert_eq!(verify(&h, "s3cret pasS"), Ok(false));
        assert_eq!(verify(&h, ""), Ok(false));
        assert_ne!(hash_werkzeug("s3cret pass", 1000).expect("hash"), h, "a new salt each time");
    }

    #[test]
    fn the_default_werkzeug_format_is_werkzeugs_own() {
        let h = hash("pässwörd ✓", Scheme::Werkzeug).expect("hash");
        assert!(h.starts_with("pbkdf2:sha256:1000000$"), "{}", &h[..22]);
        assert_eq!(h.len(), 103, "Werkzeug 3.1's length");
        assert_eq!(verify(&h, "pässwörd ✓"), Ok(true));
    }

    #[test]
    fn werkzeug_defaults_and_sha512_verify() {
        // Python: hashlib.pbkdf2_hmac(name, b"pw", b"salt", n).hex()
        let sha256_1 = "pbkdf2:sha256:1$salt$6f4ad8c78ec365c060e648eb694ee40dea58484b0371fbd61715ac4410b7380a";
        assert_eq!(verify(sha256_1, "pw"), Ok(true));
        let sha512_2 = "pbkdf2:sha512:2$salt$8816cc3aaf71373639c3415049b2b6572f8d2bad8d7641ff6402939df50db47aefea61bf81b34afa696ccc5d3fe6e55f98827522a407dc5acbcaa0a6023649a6";
        assert_eq!(verify(sha512_2, "pw"), Ok(true));
        assert_eq!(verify(sha512_2, "pW"), Ok(false));
        // No iteration count: Werkzeug's default, 1,000,000 (the hex of the literal above).
        let (_, tail) = WERKZEUG_1M.split_once('$').expect("tail");
        assert_eq!(verify(&format!("pbkdf2:sha256${tail}"), "correct horse"), Ok(true));
        assert_eq!(verify(&format!("pbkdf2${tail}"), "correct horse"), Ok(true));
    }

    #[test]
    fn argon2id_round_trips() {
        let h = hash("s3cret pass", Scheme::Argon2id).expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(h.len() <= 162, "fits FMD's VARCHAR(162)");
        assert!(is_hash(&h));
        assert_eq!(scheme_name(&h), "argon2id");
        assert_eq!(verify(&h, "s3cret pass"), Ok(true));
        assert_eq!(verify(&h, "s3cret pasS"), Ok(false));
        assert_ne!(hash("s3cret pass", Scheme::Argon2id).expect("hash"), h, "a new salt each time");
    }

    #[test]
    fn tampered_hashes_do_not_verify() {
        let w = hash_werkzeug("s3cret pass", 1000).expect("hash");
        let flipped = flip(&w, w.len() - 1);
        assert_eq!(verify(&flipped, "s3cret pass"), Ok(false));
        let (method, rest) = w.split_once('$').expect("method");
        let other_salt = format!("{method}$x{}", &rest[1..]);
        assert_eq!(verify(&other_salt, "s3cret pass"), Ok(false));
        let fewer = w.replacen(":1000$", ":999$", 1);
        assert_eq!(verify(&fewer, "s3cret pass"), Ok(false));
        assert!(matches!(verify(&w[..w.len() - 1], "s3cret pass"), Err(PasswordError::Malformed { .. })));
        let (head, hex) = w.rsplit_once('$').expect("hex");
        let upper = format!("{head}${}", hex.to_uppercase());
        assert!(
            matches!(verify(&upper, "s3cret pass"), Err(PasswordError::Malformed { .. })),
            "Werkzeug compares lowercase hex"
        );

        let a = hash("s3cret pass", Scheme::Argon2id).expect("hash");
        assert_eq!(verify(&flip(&a, a.len() - 10), "s3cret pass"), Ok(false), "a hash byte");
        let salt_at = a.rfind('$').expect("hash") - 5;
        assert_eq!(verify(&flip(&a, salt_at), "s3cret pass"), Ok(false), "a salt byte");
        assert_eq!(verify(&a.replacen("t=2", "t=3", 1), "s3cret pass"), Ok(false));
        assert!(matches!(verify(&a[..40], "s3cret pass"), Err(PasswordError::Malformed { .. })));
    }

    /// `s` with its ASCII character at `at` changed (to another hex digit and Base64 character).
    fn flip(s: &str, at: usize) -> String {
        let mut bytes = s.as_bytes().to_vec();
        bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
        String::from_utf8(bytes).expect("ascii")
    }

    #[test]
    fn unknown_schemes_are_named_errors_that_never_quote_the_hash() {
        let scrypt =
            "scrypt:32768:8:1$Zr5lLQmdLh2cZq6K$0d5c2b1e57a3ff2b4a0b95c3c07e6a4b4c3b8dbe9b1e5c8a0f9f2a8c0c0e1d2f3";
        let e = verify(scrypt, "pw").expect_err("scrypt");
        assert_eq!(e, PasswordError::UnsupportedScheme("Werkzeug scrypt".into()));
        assert!(e.to_string().contains("scrypt") && !e.to_string().contains("Zr5l"), "{e}");
        assert!(!is_hash(scrypt));
        assert_eq!(scheme_name(scrypt), "unknown");
        let bcrypt = "$2b$12$GhvMmNVjRW29ulnudl.LbuAnUtN/LRfe1JsBm1Xu6LE3059z5Tr8m";
        assert_eq!(verify(bcrypt, "pw"), Err(PasswordError::UnsupportedScheme("bcrypt".into())));
        assert_eq!(
            verify("pbkdf2:sha1:1000$salt$abcd", "pw"),
            Err(PasswordError::UnsupportedScheme("Werkzeug pbkdf2:sha1".into()))
        );
        for clear in ["hunter2 secret", "", "$", "$hunter2$x", "hunter2$x$y", "$argon2id$"] {
            let e = verify(clear, "pw").expect_err(clear);
            assert!(clear.len() < 3 || !e.to_string().contains(clear), "{clear:?}: {e}");
            assert!(!is_hash(clear), "{clear:?}");
        }
        assert_eq!(verify("pbkdf2", "pw"), Err(PasswordError::Unrecognized), "no salt, no hash");
        for bad in [
            "pbkdf2:sha256:abc$salt$",
            "pbkdf2:sha256:0$salt$",
            "pbkdf2:sha256:4000000000$s$",
            "pbkdf2:sha256:1:2$s$",
            "pbkdf2:whirlpool:1$s$",
            "pbkdf2:sha256:1$$",
            "pbkdf2:sha256:1$salt",
        ] {
            assert!(matches!(verify(bad, "pw"), Err(PasswordError::Malformed { .. })), "{bad}");
        }
    }

    #[test]
    fn new_passwords_need_eight_characters() {
        assert_eq!(check_new_password(""), Err(PasswordError::Empty));
        assert_eq!(check_new_password("seven77"), Err(PasswordError::TooShort { chars: 7 }));
        assert_eq!(check_new_password("ééééééé"), Err(PasswordError::TooShort { chars: 7 }), "characters, not bytes");
        assert_eq!(check_new_password("eight888"), Ok(()));
    }
}
