//! FMD's colour of a name (`core/colors.py`: `visualization.colors` from the configuration, else the
//! `colorhash` package's colour of the name: CRC-32 picks the hue, saturation and lightness), written as FMD
//! writes it, `rgb(64, 164, 191)`. The same names get the same colours as in Python FMD.

use std::collections::BTreeMap;

/// Lightness and saturation `colorhash` picks from.
const LEVELS: [f64; 3] = [0.35, 0.5, 0.65];

/// FMD's colour of `name`: the configured one, else its hash colour.
pub fn color(name: &str, configured: &BTreeMap<String, [u8; 3]>) -> String {
    let [r, g, b] = configured.get(name).copied().unwrap_or_else(|| hash_rgb(name));
    format!("rgb({r}, {g}, {b})")
}

/// `ColorHash(name).rgb`.
pub fn hash_rgb(name: &str) -> [u8; 3] {
    let mut hash = u64::from(crc32(name.as_bytes()));
    let hue = (hash % 359) as f64;
    hash /= 360;
    let saturation = LEVELS[(hash % 3) as usize];
    hash /= 3;
    let lightness = LEVELS[(hash % 3) as usize];
    hsl_to_rgb(hue, saturation, lightness)
}

/// CRC-32 (IEEE 802.3, as Python's `binascii.crc32`).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// `colorhash.hsl2rgb`, rounding half to even as Python's `round`.
fn hsl_to_rgb(hue: f64, s: f64, l: f64) -> [u8; 3] {
    let h = hue / 360.0;
    let q = if l < 0.5 { l * (1.0 + s) } else { l + s - l * s };
    let p = 2.0 * l - q;
    let channel = |t: f64| {
        let t = t.rem_euclid(1.0);
        let v = p + (q - p) * (6.0 * t).min(6.0 * (2.0 / 3.0 - t)).clamp(0.0, 1.0);
        (v * 255.0).round_ties_even().clamp(0.0, 255.0) as u8
    };
    [channel(h + 1.0 / 3.0), channel(h), channel(h - 1.0 / 3.0)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_python_fmds() {
        // colorhash's own example, and FMD 5.1.0's overview of the fixture.
        assert_eq!(hash_rgb("Hello World"), [45, 210, 75]);
        let none = BTreeMap::new();
        assert_eq!(color("user_detail", &none), "rgb(64, 164, 191)");
        assert_eq!(color("index", &none), "rgb(121, 210, 198)");
        let configured = BTreeMap::from([("index".to_string(), [1, 2, 3])]);
        assert_eq!(color("index", &configured), "rgb(1, 2, 3)");
    }
}
