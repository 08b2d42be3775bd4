//! `(VmRSS, VmHWM)` of this process, shared by the load examples (included with `#[path]`).

/// `(VmRSS, VmHWM)` of this process in KiB (Linux; zeros elsewhere).
pub fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}
