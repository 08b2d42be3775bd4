//! PBKDF2-HMAC (RFC 8018) with SHA-256 and SHA-512, for Werkzeug's password hashes (`fmd_core::password`).
//!
//! Why a crate of its own: the `pbkdf2` crate's functions are generic over the hash, and Rust compiles a
//! generic function into the crate that names its type parameters. Called from `fmd-core`, the million-round
//! loop of one Werkzeug hash would be compiled at `fmd-core`'s opt-level, 0 in debug builds and tests (about
//! 3.3 s per hash instead of 0.2 s). The instances here are compiled in this crate, which the root
//! Cargo.toml's `[profile.dev.package.fmd-kdf]` optimises.

/// PBKDF2-HMAC-SHA256 of `password` with `salt` and `rounds` iterations: 32 bytes.
pub fn pbkdf2_hmac_sha256(password: &[u8], salt: &[u8], rounds: u32) -> [u8; 32] {
    pbkdf2::pbkdf2_hmac_array::<sha2::Sha256, 32>(password, salt, rounds)
}

/// PBKDF2-HMAC-SHA512 of `password` with `salt` and `rounds` iterations: 64 bytes.
pub fn pbkdf2_hmac_sha512(password: &[u8], salt: &[u8], rounds: u32) -> [u8; 64] {
    pbkdf2::pbkdf2_hmac_array::<sha2::Sha512, 64>(password, salt, rounds)
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc_7914_and_python_vectors() {
        // RFC 7914 section 11 (PBKDF2-HMAC-SHA256, "passwd", "salt", 1 round, first 32 bytes).
        assert_eq!(
            hex(&super::pbkdf2_hmac_sha256(b"passwd", b"salt", 1)),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
        // Python: hashlib.pbkdf2_hmac("sha512", b"pw", b"salt", 2).hex()
        assert_eq!(
            hex(&super::pbkdf2_hmac_sha512(b"pw", b"salt", 2)),
            "8816cc3aaf71373639c3415049b2b6572f8d2bad8d7641ff6402939df50db47aefea61bf81b34afa696ccc5d3fe6e55f98827522a407dc5acbcaa0a6023649a6"
        );
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}
