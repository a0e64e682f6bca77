//! What a browser widget's token may do: one visitor of one client, optionally one assistant.
//!
//! A widget token reaches only the routes a chat widget needs (the security scheme
//! [`super::scheme::VisitorAuth`] admits it; every other route answers 403
//! `insufficient_scope`), and on those routes only its own visitor's sessions and
//! conversations: anyone else's answer 404, as foreign ids do.

use companin_entity::{conversation, session};
use serde::{Deserialize, Serialize};

use crate::auth::credentials::hmac_verify;
use crate::error::{ApiError, ErrorCode};

/// The visitor a widget token speaks for (the `widget` claim).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetGrant {
    /// The only assistant the token may talk to, when it was issued for one.
    #[serde(rename = "asst", default, skip_serializing_if = "Option::is_none")]
    pub assistant_id: Option<String>,
    /// The visitor: a random `vis_` id for anonymous visitors, the user id for verified ones.
    #[serde(rename = "vis")]
    pub visitor_id: String,
    /// The customer's user id, present only when their server vouched for it (`user_hash`).
    #[serde(rename = "uid", default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The allowed origin the token was issued to, whose widget limits it counts against.
    #[serde(rename = "orig", default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

impl WidgetGrant {
    /// Whether the customer's server vouched for this visitor.
    pub fn authenticated(&self) -> bool {
        self.user_id.is_some()
    }

    /// Whether the token may use this assistant.
    pub fn allows_assistant(&self, assistant_id: &str) -> bool {
        self.assistant_id
            .as_deref()
            .is_none_or(|a| a == assistant_id)
    }

    /// Whether the session belongs to this visitor: a verified user's sessions by user id
    /// (from any device), an anonymous visitor's by visitor id (and never a verified user's).
    fn owns(&self, visitor_id: &str, user_id: Option<&str>, assistant_id: &str) -> bool {
        let same_visitor = match &self.user_id {
            Some(uid) => user_id == Some(uid.as_str()),
            None => user_id.is_none() && visitor_id == self.visitor_id,
        };
        same_visitor && self.allows_assistant(assistant_id)
    }

    /// The session itself, or 404 when it is another visitor's.
    pub fn session(&self, s: session::Model) -> Result<session::Model, ApiError> {
        if self.owns(&s.visitor_id, s.user_id.as_deref(), &s.assistant_id) {
            Ok(s)
        } else {
            Err(ApiError::not_found("session"))
        }
    }

    /// The conversation itself, or 404 when it is another visitor's.
    pub fn conversation(&self, c: conversation::Model) -> Result<conversation::Model, ApiError> {
        if self.owns(&c.visitor_id, c.user_id.as_deref(), &c.assistant_id) {
            Ok(c)
        } else {
            Err(ApiError::not_found("conversation"))
        }
    }
}

/// Whether `user_hash` is hex HMAC-SHA256 of `user_id` keyed with the client secret,
/// compared in constant time.
pub fn verify_user_hash(client_secret: &str, user_id: &str, user_hash: &str) -> bool {
    let Ok(tag) = hex::decode(user_hash.trim()) else {
        return false;
    };
    hmac_verify(client_secret.as_bytes(), user_id.as_bytes(), &tag)
}

/// The 403 of every route a widget token may not use.
pub fn insufficient_scope() -> ApiError {
    ApiError::new(
        ErrorCode::InsufficientScope,
        "a widget token may only read the widget config, create and read its own session, \
         send messages, read its own conversations and give feedback",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::credentials::hmac_hex;

    #[test]
    fn user_hashes_verify_only_for_their_user_and_secret() {
        let hash = hmac_hex(b"cs_secret", b"user-42");
        assert!(verify_user_hash("cs_secret", "user-42", &hash));
        assert!(verify_user_hash(
            "cs_secret",
            "user-42",
            &hash.to_uppercase()
        ));
        assert!(!verify_user_hash("cs_secret", "user-43", &hash));
        assert!(!verify_user_hash("cs_other", "user-42", &hash));
        assert!(!verify_user_hash("cs_secret", "user-42", "zz"));
        assert!(!verify_user_hash("cs_secret", "user-42", ""));
    }

    fn grant(user_id: Option<&str>, assistant_id: Option<&str>) -> WidgetGrant {
        WidgetGrant {
            assistant_id: assistant_id.map(str::to_owned),
            visitor_id: "wv_1".into(),
            user_id: user_id.map(str::to_owned),
            origin: None,
        }
    }

    #[test]
    fn visitors_own_only_their_sessions() {
        let anonymous = grant(None, None);
        assert!(anonymous.owns("wv_1", None, "asst_a"));
        assert!(!anonymous.owns("wv_2", None, "asst_a"));
        assert!(
            !anonymous.owns("wv_1", Some("u"), "asst_a"),
            "a verified user's session stays theirs"
        );
        let verified = grant(Some("u"), Some("asst_a"));
        assert!(verified.owns("user:u", Some("u"), "asst_a"));
        assert!(verified.owns("device-9", Some("u"), "asst_a"));
        assert!(!verified.owns("user:v", Some("v"), "asst_a"));
        assert!(!verified.owns("wv_1", None, "asst_a"));
        assert!(
            !verified.owns("user:u", Some("u"), "asst_b"),
            "bound assistant"
        );
    }
}
