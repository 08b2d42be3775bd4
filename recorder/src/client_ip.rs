//! The client address stored in `Request.ip`.
//!
//! By default it is the peer address of the connection (axum's `ConnectInfo<SocketAddr>` extension, present
//! when the app is served with `into_make_service_with_connect_info::<SocketAddr>()`), else unknown. Only when
//! `recorder.client_ip_header` names a header set by a trusted reverse proxy is the first address of that
//! header used (`X-Forwarded-For: client, proxy1` style lists, `X-Real-IP`, and RFC 7239 `Forwarded: for=`).
//! The address stays an `IpAddr` on the request path; the writer formats it.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use http::{Extensions, HeaderMap, HeaderName, HeaderValue};

/// Text stored when no address is known.
pub const UNKNOWN_IP: &str = "unknown";

/// Where the client address comes from.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClientIpSource {
    header: Option<HeaderName>,
}

impl ClientIpSource {
    /// Peer address only, or the trusted proxy header `header` first (an invalid header name is logged and
    /// ignored).
    pub(crate) fn new(header: Option<&str>) -> ClientIpSource {
        let header = header.map(str::trim).filter(|h| !h.is_empty()).and_then(|h| {
            HeaderName::from_bytes(h.to_ascii_lowercase().as_bytes())
                .inspect_err(|_| {
                    tracing::warn!(
                        "fmd recorder: recorder.client_ip_header {h:?} is not a valid header name; \
                         using the peer address"
                    );
                })
                .ok()
        });
        ClientIpSource { header }
    }

    /// The client address of a request, if known.
    #[inline]
    pub(crate) fn client_ip(&self, headers: &HeaderMap, extensions: &Extensions) -> Option<IpAddr> {
        if let Some(name) = &self.header {
            if let Some(ip) = headers.get(name).and_then(first_address) {
                return Some(ip);
            }
        }
        extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip())
    }
}

/// Formats an address as stored in `Request.ip` (IPv4-mapped IPv6 addresses as plain IPv4).
pub(crate) fn format_ip(ip: Option<IpAddr>) -> String {
    match ip {
        Some(ip) => ip.to_canonical().to_string(),
        None => UNKNOWN_IP.to_string(),
    }
}

/// The first address of a proxy header value.
fn first_address(value: &HeaderValue) -> Option<IpAddr> {
    let text = value.to_str().ok()?;
    let first = text.split(',').next()?.trim();
    if first.contains('=') {
        // RFC 7239: `for=192.0.2.60;proto=http` or `for="[2001:db8::1]:4711"`.
        let node = first.split(';').map(str::trim).find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            key.trim().eq_ignore_ascii_case("for").then_some(value.trim())
        })?;
        return parse_node(node);
    }
    parse_node(first)
}

fn parse_node(node: &str) -> Option<IpAddr> {
    let node = node.trim().trim_matches('"');
    if let Ok(ip) = node.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(addr) = node.parse::<SocketAddr>() {
        return Some(addr.ip());
    }
    node.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')).and_then(|inner| inner.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(name: &'static str, value: &'static str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(name, HeaderValue::from_static(value));
        map
    }

    fn peer(extensions: &mut Extensions, addr: &str) {
        extensions.insert(ConnectInfo(addr.parse::<SocketAddr>().expect("socket address")));
    }

    #[test]
    fn peer_address_by_default_and_header_ignored() {
        let source = ClientIpSource::new(None);
        let mut ext = Extensions::new();
        assert_eq!(source.client_ip(&HeaderMap::new(), &ext), None);
        peer(&mut ext, "127.0.0.1:5000");
        let spoofed = headers("x-forwarded-for", "10.9.9.9");
        assert_eq!(source.client_ip(&spoofed, &ext), Some("127.0.0.1".parse().expect("ip")));
    }

    #[test]
    fn trusted_header_first_address() {
        let source = ClientIpSource::new(Some("X-Forwarded-For"));
        let mut ext = Extensions::new();
        peer(&mut ext, "127.0.0.1:5000");
        let h = headers("x-forwarded-for", " 203.0.113.7 , 10.0.0.1");
        assert_eq!(source.client_ip(&h, &ext), Some("203.0.113.7".parse().expect("ip")));
        let garbage = headers("x-forwarded-for", "not-an-ip");
        assert_eq!(source.client_ip(&garbage, &ext), Some("127.0.0.1".parse().expect("ip")), "falls back to peer");
        assert_eq!(source.client_ip(&HeaderMap::new(), &ext), Some("127.0.0.1".parse().expect("ip")));
    }

    #[test]
    fn forwarded_and_bracketed_forms() {
        let source = ClientIpSource::new(Some("forwarded"));
        let ext = Extensions::new();
        let h = headers("forwarded", "for=\"[2001:db8::1]:4711\";proto=https, for=10.0.0.1");
        assert_eq!(source.client_ip(&h, &ext), Some("2001:db8::1".parse().expect("ip")));
        let h = headers("forwarded", "proto=http;For=192.0.2.60");
        assert_eq!(source.client_ip(&h, &ext), Some("192.0.2.60".parse().expect("ip")));
        let source = ClientIpSource::new(Some("x-real-ip"));
        assert_eq!(
            source.client_ip(&headers("x-real-ip", "198.51.100.2:1234"), &ext),
            Some("198.51.100.2".parse().expect("ip"))
        );
    }

    #[test]
    fn formats_unknown_and_mapped_addresses() {
        assert_eq!(format_ip(None), "unknown");
        assert_eq!(format_ip(Some("::ffff:127.0.0.1".parse().expect("ip"))), "127.0.0.1");
        assert_eq!(format_ip(Some("::1".parse().expect("ip"))), "::1");
    }

    #[test]
    fn invalid_header_name_is_ignored() {
        let source = ClientIpSource::new(Some("bad header"));
        assert!(source.header.is_none());
    }
}
