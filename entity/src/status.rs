//! Where a knowledge item, a job and a crawled page stand, what a job does, and a member's
//! role: closed sets stored as strings. Reading a row whose stored value is none of them is an
//! error, never a silent default. Values are ordered as declared.

use sea_orm::entity::prelude::*;

/// Declares a status enum stored as its snake-case name, with `ALL` and `as_str`.
macro_rules! stored_status {
    ($(#[$meta:meta])* $name:ident { $( $(#[$vmeta:meta])* $variant:ident => $value:literal ),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, EnumIter, DeriveActiveEnum)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
        pub enum $name {
            $( $(#[$vmeta])* #[sea_orm(string_value = $value)] $variant, )*
        }

        impl $name {
            /// Every value, in order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stored (and wire) name.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $value, )* }
            }

            /// Parses the stored name.
            pub fn parse(s: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

stored_status! {
    /// Where a knowledge item's processing stands.
    KnowledgeStatus {
        /// Stored, its job not started yet.
        Pending => "pending",
        Processing => "processing",
        /// Its chunks are searchable.
        Ready => "ready",
        /// The last attempt failed (`error` says why).
        Failed => "failed",
    }
}

stored_status! {
    /// Where a background job stands.
    JobStatus {
        Queued => "queued",
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        Canceled => "canceled",
    }
}

impl JobStatus {
    /// Whether the job has finished for good.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            JobStatus::Succeeded | JobStatus::Failed | JobStatus::Canceled
        )
    }
}

stored_status! {
    /// What the last fetch of a crawled page gave.
    PageStatus {
        /// Its chunks are searchable.
        Ok => "ok",
        /// Refused or not a readable type (`reason` says which).
        Skipped => "skipped",
        /// The last fetch failed (`reason`); chunks from an earlier fetch are kept.
        Failed => "failed",
    }
}

stored_status! {
    /// What a background job does.
    JobKind {
        /// Ingest (or re-process) one knowledge item.
        Ingest => "ingest",
        /// Re-chunk and re-embed a tenant's items (all, or one).
        Reindex => "reindex",
        /// Write a ready document's generated summary (enrichment lane).
        Summarize => "summarize",
        /// Fetch a URL item's pages and bring its chunks up to date.
        Crawl => "crawl",
        /// Delete a sandbox's data and seed the samples anew (its handler is the service's).
        SandboxReset => "sandbox_reset",
    }
}

stored_status! {
    /// What a team member may do in their organization; each role includes the ones below it.
    MemberRole {
        /// Read only.
        Viewer => "viewer",
        /// Also writes assistants, knowledge, sessions, contexts and conversations.
        Editor => "editor",
        /// Everything but managing members.
        Admin => "admin",
        /// Everything, members included.
        Owner => "owner",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::ActiveEnum;

    #[test]
    fn stored_names_round_trip_and_unknown_ones_are_refused() {
        for s in KnowledgeStatus::ALL {
            assert_eq!(KnowledgeStatus::parse(s.as_str()), Some(*s));
            assert_eq!(
                KnowledgeStatus::try_from_value(&s.to_value()).ok(),
                Some(*s)
            );
        }
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::try_from_value(&s.to_value()).ok(), Some(*s));
        }
        for s in PageStatus::ALL {
            assert_eq!(PageStatus::try_from_value(&s.to_value()).ok(), Some(*s));
        }
        for k in JobKind::ALL {
            assert_eq!(JobKind::try_from_value(&k.to_value()).ok(), Some(*k));
        }
        assert!(JobKind::try_from_value(&"sandbox-reset".to_owned()).is_err());
        for r in MemberRole::ALL {
            assert_eq!(MemberRole::try_from_value(&r.to_value()).ok(), Some(*r));
        }
        assert!(KnowledgeStatus::try_from_value(&"done".to_owned()).is_err());
        assert!(JobStatus::try_from_value(&"Queued".to_owned()).is_err());
        assert!(PageStatus::try_from_value(&String::new()).is_err());
    }
}
