//! Reading who is calling off a request: key pairs, bearer tokens, console sessions and the
//! operator's token or session.
//!
//! The [`middleware::Authenticate`] middleware verifies whatever credentials a request carries
//! (and charges the rate limit) before routing, and leaves a
//! [`Principal`](companin_service::auth::Principal) in the request; the security schemes in
//! [`scheme`] only read it back, so that poem-openapi documents both schemes and answers 401
//! on routes that need credentials when there were none. Checking the credentials themselves
//! is the service's part (`companin_service::auth`).

pub mod csrf;
pub mod middleware;
pub mod operator;
pub mod scheme;
