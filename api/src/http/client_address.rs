//! The caller's network address, as the widget limits count it.

use std::net::IpAddr;

use poem::Request;

/// The address of the client that sent `req`: the last address in `header` when the
/// operator names one (`http.client_ip_header`: the proxy in front appends the address it
/// saw last), else the connection's peer.
pub fn client_address(req: &Request, header: Option<&str>) -> Option<IpAddr> {
    if let Some(name) = header {
        // Behind the proxy every request carries the header; one without it reached the
        // service some other way, and is counted by its peer.
        let named = req
            .headers()
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .next_back()
            .and_then(parse_address);
        if named.is_some() {
            return named;
        }
    }
    req.remote_addr().as_socket_addr().map(|a| a.ip())
}

/// An address as a header writes it: bare, or with a port (`1.2.3.4:5`, `[::1]:5`).
fn parse_address(raw: &str) -> Option<IpAddr> {
    let raw = raw.trim();
    raw.parse::<IpAddr>()
        .ok()
        .or_else(|| raw.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_proxys_entry_is_the_last_one() {
        let req = Request::builder()
            .header("x-forwarded-for", "10.0.0.1, 198.51.100.7")
            .header("x-forwarded-for", "203.0.113.9:4711")
            .finish();
        assert_eq!(
            client_address(&req, Some("x-forwarded-for")),
            Some("203.0.113.9".parse().unwrap())
        );
        let req = Request::builder()
            .header("x-real-ip", "[2001:db8::1]:80")
            .finish();
        assert_eq!(
            client_address(&req, Some("x-real-ip")),
            Some("2001:db8::1".parse().unwrap())
        );
        // Without the setting, a caller's header is never believed.
        assert_eq!(client_address(&req, None), None);
    }
}
