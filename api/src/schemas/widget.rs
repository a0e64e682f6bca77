//! The browser widget's token and the assistant's public face.

use poem_openapi::Object;

/// What the widget asks a token for. No secret: the request's `Origin` must be one of the
/// client's `allowed_origins`.
#[derive(Debug, Object)]
pub struct CreateWidgetToken {
    /// The client (OAuth application) the widget belongs to. Required from a page; the
    /// customer's server, calling with the key pair, may leave it out.
    pub client_id: Option<String>,
    /// Bind the token to this assistant; without it, any of the environment's assistants.
    pub assistant_id: Option<String>,
    /// The customer's user id. From a page it is ignored (the visitor stays anonymous)
    /// unless `user_hash` vouches for it; the customer's server, calling with the key pair,
    /// vouches for it by sending it.
    pub user_id: Option<String>,
    /// Hex HMAC-SHA256 of `user_id` keyed with the client secret, computed by the customer's
    /// server. A wrong hash answers 401 `invalid_user_hash`.
    pub user_hash: Option<String>,
    /// An anonymous visitor's id from an earlier token, to resume their sessions (a
    /// `vis_` id this route returned); anything else starts a new visitor.
    pub visitor_id: Option<String>,
}

/// A widget token: it reaches only the widget routes, for one visitor.
#[derive(Debug, Object)]
pub struct WidgetToken {
    /// A JWT; send it as `Authorization: Bearer <token>`.
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// Always `Bearer`.
    pub token_type: String,
    /// The visitor the token speaks for: keep it to resume an anonymous visitor later.
    pub visitor_id: String,
    /// Whether the customer's server vouched for the visitor (`user_hash`).
    pub authenticated: bool,
    /// The assistant the token is bound to, if any.
    pub assistant_id: Option<String>,
}

/// What a widget shows before the first message.
#[derive(Debug, Object)]
pub struct WidgetConfig {
    pub assistant_id: String,
    pub name: String,
    pub description: Option<String>,
    /// BCP-47 tag of the assistant's language.
    pub language: String,
    /// What the widget says before the first question, if anything.
    pub greeting: Option<String>,
}
