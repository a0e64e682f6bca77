//! Team members and the console's sign-in.

use chrono::{DateTime, Utc};
use companin_entity::{MemberRole, member};
use poem_openapi::{Enum, Object};

use super::{EnvironmentName, list_type, same_values};

/// What a member may do: `viewer` reads; `editor` also changes assistants, knowledge,
/// sessions and conversations; `admin` everything but members; `owner` everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Editor,
    Viewer,
}

same_values!(Role, MemberRole, [Owner, Admin, Editor, Viewer]);

/// Whether a member has set a password yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "lowercase")]
pub enum MemberStatus {
    /// Invited; the invitation link has not been used.
    Invited,
    /// Can sign in.
    Active,
}

/// A person of the organization's team.
#[derive(Debug, Object)]
pub struct Member {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub status: MemberStatus,
    /// When an unused invitation stops working.
    pub invitation_expires_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<member::Model> for Member {
    fn from(m: member::Model) -> Self {
        Member {
            status: if m.password_hash.is_some() {
                MemberStatus::Active
            } else {
                MemberStatus::Invited
            },
            id: m.id,
            email: m.email,
            role: m.role.into(),
            invitation_expires_at: m.invitation_expires_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

list_type!(
    /// A page of members.
    MemberList,
    Member
);

/// A person to invite.
#[derive(Debug, Object)]
pub struct InviteMember {
    /// Their email address: what they sign in with (one member per address).
    #[oai(validator(max_length = 254))]
    pub email: String,
    pub role: Role,
}

/// An invitation just made: its token is shown only now.
#[derive(Debug, Object)]
pub struct MemberInvitation {
    pub member: Member,
    /// The one-time token; `POST /auth/accept-invitation` with it sets the password.
    pub invitation_token: String,
    /// The console page that accepts it, relative to this server (the token travels in the
    /// fragment, never sent to a server).
    pub invitation_path: String,
    pub invitation_expires_at: DateTime<Utc>,
}

/// A new role.
#[derive(Debug, Object)]
pub struct UpdateMember {
    pub role: Role,
}

/// An email and password.
#[derive(Debug, Object)]
pub struct SignIn {
    #[oai(validator(max_length = 254))]
    pub email: String,
    #[oai(validator(max_length = 1024))]
    pub password: String,
}

/// An invitation's token and the password it sets.
#[derive(Debug, Object)]
pub struct AcceptInvitation {
    #[oai(validator(max_length = 200))]
    pub token: String,
    /// 10 to 256 characters, not one of the most common passwords, not the email address.
    #[oai(validator(max_length = 1024))]
    pub password: String,
}

/// The signed-in member's console session. The session itself is the `HttpOnly` cookie
/// `companin_session`; page scripts never see it.
#[derive(Debug, Object)]
pub struct ConsoleSession {
    pub member: Member,
    pub org_id: String,
    /// The environment this request worked in (`X-Environment`, default `production`).
    pub environment: EnvironmentName,
    /// Send it as `X-CSRF-Token` with every write made with the session cookie.
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
}
