//! Outbound HTTP that cannot be turned against the network it runs in (SSRF). Users hand
//! Companin URLs (alert webhooks now, pages to crawl next); by default none of them may reach
//! loopback, private (RFC 1918), carrier-grade NAT, link-local (the cloud metadata address
//! 169.254.169.254 among them), unique-local IPv6, multicast, unspecified or reserved
//! addresses, nor the IPv4-mapped IPv6 forms of those.
//!
//! Three places enforce it: [`check`] when a URL is submitted (a clear 422 for the user), the
//! client's DNS resolver ([`GuardedResolver`]), which hands the connector only vetted
//! addresses so the address actually connected to is one that was checked (a name that
//! resolves differently at send time, DNS rebinding, gains nothing), and the redirect policy
//! of [`client`], which checks every hop's scheme and literal address. `allow_private`
//! (`crawl.allow_private_networks`) lifts the address rule for intranets and tests; a
//! [`Guard`] built from the crawl settings also exempts `crawl.allowed_hosts` and answers
//! names pinned by `crawl.resolve` (whose addresses are judged like any other).

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use companin_config::CrawlSettings;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::{Host, Url};

/// Why a URL may not be fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("`{0}` is not an http or https URL with a host")]
    NotHttp(String),
    #[error("{host} is a {kind} address, which Companin does not fetch")]
    Address { host: String, kind: &'static str },
    #[error("{0} does not resolve")]
    Unresolved(String),
}

/// What kind of non-public address `ip` is, if it is one.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => non_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => non_public_v4(v4),
            None => non_public_v6(v6),
        },
    }
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    Some(match () {
        _ if ip.is_loopback() => "loopback",
        _ if ip.is_private() => "private",
        _ if a == 100 && (64..128).contains(&b) => "carrier-grade NAT",
        _ if ip.is_link_local() => "link-local",
        _ if ip.is_multicast() => "multicast",
        _ if ip.is_unspecified() || a == 0 => "unspecified",
        _ if ip.is_broadcast() || a >= 240 => "reserved",
        _ if a == 192 && b == 0 && c == 0 => "reserved",
        _ if a == 198 && (18..20).contains(&b) => "reserved",
        _ if ip.is_documentation() => "documentation",
        _ => return None,
    })
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let seg = ip.segments();
    let embedded = |high: u16, low: u16| Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
    Some(match () {
        _ if ip.is_loopback() => "loopback",
        _ if ip.is_unspecified() => "unspecified",
        _ if ip.is_multicast() => "multicast",
        _ if ip.is_unique_local() => "unique-local",
        _ if ip.is_unicast_link_local() => "link-local",
        // fec0::/10, deprecated but still routed as local by some stacks.
        _ if seg[0] & 0xffc0 == 0xfec0 => "site-local",
        // IPv4-compatible (deprecated) and NAT64 (64:ff9b::/96) forms carry an IPv4 address
        // that a translator would reach: named by it when it is not public, refused anyway.
        _ if seg[..6] == [0; 6] || seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] => {
            let v4 = embedded(seg[6], seg[7]);
            return non_public_v4(v4).or(Some(if seg[0] == 0 { "reserved" } else { "NAT64" }));
        }
        // Local-use NAT64 (64:ff9b:1::/48) maps into the operator's own IPv4 space.
        _ if seg[..3] == [0x64, 0xff9b, 1] => "NAT64",
        // 6to4 (2002::/16) carries an IPv4 address in its next 32 bits and Teredo
        // (2001::/32) one obfuscated in its last 32: relays would deliver either to IPv4
        // space we cannot judge from here. Both are deprecated; none is needed to fetch a page.
        _ if seg[0] == 0x2002 => non_public_v4(embedded(seg[1], seg[2])).unwrap_or("6to4"),
        _ if seg[0] == 0x2001 && seg[1] == 0 => "Teredo",
        // The discard-only prefix 100::/64.
        _ if seg[..4] == [0x100, 0, 0, 0] => "reserved",
        _ if seg[0] == 0x2001 && seg[1] == 0x0db8 => "documentation",
        _ => return None,
    })
}

fn refuse(host: &str, ip: IpAddr) -> Result<(), Refusal> {
    match non_public(ip) {
        Some(kind) => Err(Refusal::Address {
            host: host.to_owned(),
            kind,
        }),
        None => Ok(()),
    }
}

/// The URL parsed, if it is `http` or `https` with a host.
pub fn parse(raw: &str) -> Result<Url, Refusal> {
    Url::parse(raw.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| Refusal::NotHttp(raw.trim().to_owned()))
}

/// Refuses a URL whose host is a literal non-public address. Literal addresses never reach
/// the resolver, so a [`client`]'s caller checks the first URL with this (the redirect policy
/// checks the later hops).
pub fn check_literal(url: &Url) -> Result<(), Refusal> {
    match url.host() {
        Some(Host::Ipv4(ip)) => refuse(&ip.to_string(), IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => refuse(&ip.to_string(), IpAddr::V6(ip)),
        _ => Ok(()),
    }
}

/// Checks a submitted URL: its scheme, and (unless `allow_private`) every address its host
/// resolves to now. Answers the URL in normal form.
pub async fn check(raw: &str, allow_private: bool) -> Result<Url, Refusal> {
    Guard {
        allow_private,
        ..Guard::default()
    }
    .check(raw)
    .await
}

/// The address rule with its exceptions, and the name resolution it judges.
#[derive(Clone)]
pub struct Guard {
    /// No address rule at all.
    pub allow_private: bool,
    /// Hosts (lowercase names or literal addresses) exempt from the rule.
    pub allowed_hosts: Arc<HashSet<String>>,
    pub lookup: Arc<dyn Lookup>,
}

impl Default for Guard {
    fn default() -> Self {
        Guard {
            allow_private: false,
            allowed_hosts: Arc::default(),
            lookup: Arc::new(SystemLookup),
        }
    }
}

impl std::fmt::Debug for Guard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guard")
            .field("allow_private", &self.allow_private)
            .field("allowed_hosts", &self.allowed_hosts)
            .finish_non_exhaustive()
    }
}

impl Guard {
    /// The crawl settings' guard: `allow_private_networks`, `allowed_hosts`, and the system
    /// resolver behind the `resolve` pins.
    pub fn from_settings(crawl: &CrawlSettings) -> Guard {
        let mut pinned: HashMap<String, Vec<IpAddr>> = HashMap::new();
        for entry in &crawl.resolve {
            if let Some((host, addr)) = entry.split_once('=')
                && let Ok(ip) = addr.trim().parse::<IpAddr>()
            {
                pinned
                    .entry(host.trim().to_ascii_lowercase())
                    .or_default()
                    .push(ip);
            }
        }
        let lookup: Arc<dyn Lookup> = if pinned.is_empty() {
            Arc::new(SystemLookup)
        } else {
            Arc::new(Pinned {
                pinned,
                fallback: Arc::new(SystemLookup),
            })
        };
        Guard {
            allow_private: crawl.allow_private_networks,
            allowed_hosts: Arc::new(
                crawl
                    .allowed_hosts
                    .iter()
                    .map(|h| h.trim().to_ascii_lowercase())
                    .collect(),
            ),
            lookup,
        }
    }

    /// Whether the address rule applies to `host`.
    fn guards(&self, host: &str) -> bool {
        !self.allow_private && !self.allowed_hosts.contains(&host.to_ascii_lowercase())
    }

    /// Refuses a URL whose host is a literal non-public address (unless exempt).
    pub fn check_literal(&self, url: &Url) -> Result<(), Refusal> {
        match url.host_str() {
            Some(host) if self.guards(host.trim_matches(['[', ']'])) => check_literal(url),
            _ => Ok(()),
        }
    }

    /// Checks a submitted URL: its scheme, and every address its host resolves to now (a
    /// host with any non-public address is refused outright). Answers the URL parsed.
    pub async fn check(&self, raw: &str) -> Result<Url, Refusal> {
        let url = parse(raw)?;
        self.check_literal(&url)?;
        if let Some(Host::Domain(name)) = url.host()
            && self.guards(name)
        {
            let unresolved = || Refusal::Unresolved(name.to_owned());
            let found = self
                .lookup
                .lookup(name.to_owned())
                .await
                .map_err(|_| unresolved())?;
            if found.is_empty() {
                return Err(unresolved());
            }
            for addr in found {
                refuse(name, addr.ip())?;
            }
        }
        Ok(url)
    }

    /// An HTTP client whose every connection and redirect hop passes this guard.
    pub fn client(&self, options: &Options) -> reqwest::Result<reqwest::Client> {
        let guard = self.clone();
        let max = options.max_redirects;
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > max {
                return attempt.error(format!("more than {max} redirects"));
            }
            let next = attempt.url();
            if !matches!(next.scheme(), "http" | "https") {
                let refused = Refusal::NotHttp(next.to_string());
                return attempt.error(refused);
            }
            if let Err(refused) = guard.check_literal(next) {
                return attempt.error(refused);
            }
            attempt.follow()
        });
        reqwest::Client::builder()
            // HTTP_PROXY and friends would hand the connection to a proxy, which resolves
            // and connects to the target itself, past the guarded resolver.
            .no_proxy()
            .user_agent(options.user_agent.clone())
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .redirect(redirects)
            .dns_resolver(Arc::new(GuardedResolver {
                guard: self.clone(),
            }))
            .build()
    }
}

/// Names pinned to addresses (`crawl.resolve`); others go to `fallback`.
struct Pinned {
    pinned: HashMap<String, Vec<IpAddr>>,
    fallback: Arc<dyn Lookup>,
}

impl Lookup for Pinned {
    fn lookup(
        &self,
        host: String,
    ) -> futures::future::BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
        match self.pinned.get(&host.to_ascii_lowercase()) {
            Some(ips) => {
                let addrs = ips.iter().map(|ip| SocketAddr::new(*ip, 0)).collect();
                Box::pin(async move { Ok(addrs) })
            }
            None => self.fallback.lookup(host),
        }
    }
}

/// Resolves names for [`client`], keeping only public addresses; a name left with none fails
/// to resolve, with the reason.
#[derive(Clone)]
pub struct GuardedResolver {
    guard: Guard,
}

/// Name resolution, replaceable in tests.
pub trait Lookup: Send + Sync {
    fn lookup(
        &self,
        host: String,
    ) -> futures::future::BoxFuture<'static, std::io::Result<Vec<SocketAddr>>>;
}

/// The system resolver.
struct SystemLookup;

impl Lookup for SystemLookup {
    fn lookup(
        &self,
        host: String,
    ) -> futures::future::BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
        Box::pin(async move { Ok(tokio::net::lookup_host((host.as_str(), 0)).await?.collect()) })
    }
}

impl GuardedResolver {
    pub fn new(lookup: Arc<dyn Lookup>) -> Self {
        Self {
            guard: Guard {
                lookup,
                ..Guard::default()
            },
        }
    }

    /// The public addresses of `host` (all of them, when the guard exempts it), or why there
    /// are none.
    pub async fn resolve_public(&self, host: &str) -> Result<Vec<SocketAddr>, Refusal> {
        let found = self
            .guard
            .lookup
            .lookup(host.to_owned())
            .await
            .map_err(|_| Refusal::Unresolved(host.to_owned()))?;
        if !self.guard.guards(host) {
            return Ok(found);
        }
        let mut refusal = None;
        let public: Vec<SocketAddr> = found
            .into_iter()
            .filter(|addr| match refuse(host, addr.ip()) {
                Ok(()) => true,
                Err(r) => {
                    refusal.get_or_insert(r);
                    false
                }
            })
            .collect();
        if public.is_empty() {
            return Err(refusal.unwrap_or_else(|| Refusal::Unresolved(host.to_owned())));
        }
        Ok(public)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let addrs = this.resolve_public(name.as_str()).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// How [`client`] behaves.
#[derive(Debug, Clone)]
pub struct Options {
    pub user_agent: String,
    pub timeout: Duration,
    /// Redirects followed (0: none).
    pub max_redirects: usize,
    pub allow_private: bool,
}

/// An HTTP client whose every connection and redirect hop passes the guard (unless
/// `allow_private`).
pub fn client(options: &Options) -> reqwest::Result<reqwest::Client> {
    client_with(options, Arc::new(SystemLookup))
}

/// [`client`] with its own name resolution (tests).
pub fn client_with(options: &Options, lookup: Arc<dyn Lookup>) -> reqwest::Result<reqwest::Client> {
    Guard {
        allow_private: options.allow_private,
        allowed_hosts: Arc::default(),
        lookup,
    }
    .client(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn every_non_public_range_is_named() {
        for (addr, kind) in [
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("100.64.0.1", "carrier-grade NAT"),
            ("100.127.255.254", "carrier-grade NAT"),
            ("169.254.169.254", "link-local"),
            ("224.0.0.1", "multicast"),
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("255.255.255.255", "reserved"),
            ("240.0.0.1", "reserved"),
            ("::1", "loopback"),
            ("::", "unspecified"),
            ("fd00::1", "unique-local"),
            ("fc00::1", "unique-local"),
            ("fe80::1", "link-local"),
            ("ff02::1", "multicast"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
            ("::ffff:169.254.169.254", "link-local"),
            ("::127.0.0.1", "loopback"),
            ("64:ff9b::a9fe:a9fe", "link-local"),
            ("64:ff9b::7f00:1", "loopback"),
            ("64:ff9b::808:808", "NAT64"),
            ("64:ff9b:1::a00:1", "NAT64"),
            ("64:ff9b:1:ffff::1", "NAT64"),
            ("2002:7f00:1::", "loopback"),
            ("2002:a00:1::1", "private"),
            ("2002:c0a8:101::1", "private"),
            ("2002:808:808::1", "6to4"),
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
            ("2001::1", "Teredo"),
            ("fec0::1", "site-local"),
            ("feff:ffff::1", "site-local"),
            ("100::1", "reserved"),
        ] {
            assert_eq!(non_public(ip(addr)), Some(kind), "{addr}");
        }
        for addr in [
            "93.184.216.34",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:93.184.216.34",
            "2001:4860:4860::8888",
            "2003::1",
        ] {
            assert_eq!(non_public(ip(addr)), None, "{addr}");
        }
    }

    #[tokio::test]
    async fn submitted_urls_are_checked_by_scheme_literal_and_name() {
        assert!(matches!(
            check("ftp://example.com/x", false).await,
            Err(Refusal::NotHttp(_))
        ));
        assert!(matches!(
            check("file:///etc/passwd", false).await,
            Err(Refusal::NotHttp(_))
        ));
        assert!(matches!(
            check("http://", false).await,
            Err(Refusal::NotHttp(_))
        ));
        for url in [
            "http://127.0.0.1:9000/hook",
            "http://[::1]/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::ffff:10.0.0.1]/",
            "http://localhost:8080/",
        ] {
            assert!(
                matches!(check(url, false).await, Err(Refusal::Address { .. })),
                "{url}"
            );
        }
        assert!(check("http://127.0.0.1:9000/hook", true).await.is_ok());
    }

    struct Fixed(Vec<IpAddr>);

    impl Lookup for Fixed {
        fn lookup(
            &self,
            _: String,
        ) -> futures::future::BoxFuture<'static, std::io::Result<Vec<SocketAddr>>> {
            let addrs = self.0.iter().map(|ip| SocketAddr::new(*ip, 0)).collect();
            Box::pin(async move { Ok(addrs) })
        }
    }

    #[tokio::test]
    async fn the_resolver_hands_out_only_public_addresses() {
        let mixed =
            GuardedResolver::new(Arc::new(Fixed(vec![ip("127.0.0.1"), ip("93.184.216.34")])));
        let kept = mixed.resolve_public("shop.example").await.unwrap();
        assert_eq!(kept, [SocketAddr::new(ip("93.184.216.34"), 0)]);
        let rebound = GuardedResolver::new(Arc::new(Fixed(vec![ip("10.0.0.7")])));
        assert_eq!(
            rebound.resolve_public("shop.example").await.unwrap_err(),
            Refusal::Address {
                host: "shop.example".into(),
                kind: "private"
            }
        );
    }

    #[tokio::test]
    async fn a_public_name_resolving_to_loopback_is_never_connected() {
        // A server on loopback that would answer if reached.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let options = Options {
            user_agent: "test".into(),
            timeout: Duration::from_secs(5),
            max_redirects: 3,
            allow_private: false,
        };
        let http = client_with(&options, Arc::new(Fixed(vec![ip("127.0.0.1")]))).unwrap();
        let err = http
            .get(format!("http://shop.example:{port}/"))
            .send()
            .await
            .unwrap_err();
        assert!(err.is_connect() || err.is_request(), "{err:?}");
        let chain = format!("{:?}", anyhow::Error::new(err));
        assert!(chain.contains("loopback"), "{chain}");
    }
}
