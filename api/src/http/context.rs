//! What inner layers learn about a request and the outermost layer ([`super::observe`])
//! reports: its id, the caller, its rate-limit headers and its admitted CORS origin.

use std::sync::OnceLock;

use companin_service::auth::Principal;
use companin_service::rate_limit::RateLimitHeaders;

/// What inner layers learn about a request and the outer layer reports.
#[derive(Debug)]
pub struct RequestContext {
    pub request_id: String,
    principal: OnceLock<Principal>,
    rate_limit: OnceLock<RateLimitHeaders>,
    /// The request's `Origin`, when CORS admits it (see [`super::cors`]).
    cors_origin: OnceLock<String>,
}

impl RequestContext {
    pub(super) fn new(request_id: String) -> Self {
        Self {
            request_id,
            principal: OnceLock::new(),
            rate_limit: OnceLock::new(),
            cors_origin: OnceLock::new(),
        }
    }

    pub fn set_principal(&self, principal: Principal) {
        let _ = self.principal.set(principal);
    }

    pub fn set_rate_limit(&self, headers: RateLimitHeaders) {
        let _ = self.rate_limit.set(headers);
    }

    pub fn principal(&self) -> Option<&Principal> {
        self.principal.get()
    }

    pub fn set_cors_origin(&self, origin: String) {
        let _ = self.cors_origin.set(origin);
    }

    pub fn rate_limit(&self) -> Option<&RateLimitHeaders> {
        self.rate_limit.get()
    }

    pub fn cors_origin(&self) -> Option<&str> {
        self.cors_origin.get().map(String::as_str)
    }
}
