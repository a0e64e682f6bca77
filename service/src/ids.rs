//! Identifier newtypes, parsed at the edge so the core never handles bare strings.

use std::fmt;
use std::sync::Arc;

macro_rules! prefixed_id {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        // Shared, not owned: ids are cloned into every request's context, log row and
        // limiter request, and a clone should not allocate.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(Arc<str>);

        impl $name {
            /// The prefix every id of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// A new, time-ordered id.
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, uuid::Uuid::now_v7().simple()).into())
            }

            /// Accepts a string that has this kind's shape; anything else cannot name a row.
            pub fn parse(raw: &str) -> Option<Self> {
                let rest = raw.strip_prefix($prefix)?;
                let valid = rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit());
                valid.then(|| Self(raw.into()))
            }

            /// Wraps an id read back from our own database.
            pub fn from_db(raw: String) -> Self {
                Self(raw.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0.to_string()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

prefixed_id!(
    /// An organization (tenant).
    OrgId,
    "org_"
);
prefixed_id!(
    /// An OAuth application; also the public `client_id` sent as `X-API-Key`.
    ClientId,
    "cli_"
);
prefixed_id!(
    /// An assistant.
    AssistantId,
    "asst_"
);
prefixed_id!(
    /// A visitor session.
    SessionId,
    "sess_"
);
prefixed_id!(
    /// A context (traits of a session, visitor or user).
    ContextId,
    "ctx_"
);
prefixed_id!(
    /// A visitor (browser or device) when the client did not name one.
    VisitorId,
    "vis_"
);
prefixed_id!(
    /// A team member of the console.
    MemberId,
    "mem_"
);
prefixed_id!(
    /// An audit log row.
    AuditId,
    "aud_"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_parse_back_and_foreign_shapes_do_not() {
        let id = ClientId::generate();
        assert_eq!(ClientId::parse(id.as_str()), Some(id.clone()));
        assert_eq!(OrgId::parse(id.as_str()), None);
        assert_eq!(ClientId::parse("cli_../../etc"), None);
        assert_eq!(ClientId::parse("cli_"), None);
    }
}
prefixed_id!(
    /// A knowledge item.
    KnowledgeId,
    "kn_"
);
prefixed_id!(
    /// A background job.
    JobId,
    "job_"
);
prefixed_id!(
    /// A conversation.
    ConversationId,
    "conv_"
);
prefixed_id!(
    /// A message of a conversation.
    MessageId,
    "msg_"
);
prefixed_id!(
    /// A feedback rating.
    FeedbackId,
    "fb_"
);
