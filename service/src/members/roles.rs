//! What each role may do: the least role a request needs, from its method and path. One
//! table for every route, checked by the server before the route runs.

use companin_entity::MemberRole;

/// Resources an editor changes: the assistant's content and its conversations.
const EDITED: &[&str] = &[
    "assistants",
    "knowledge",
    "sessions",
    "contexts",
    "conversations",
    "jobs",
];

/// The least role that may send `method` to `path` (relative to `/api/v1`, e.g.
/// `/knowledge/search`).
///
/// - Reads (GET, HEAD, and the search playground's POST) need `viewer`, except the alert
///   webhook's: it answers its signing secret, which an admin sets and rotates.
/// - Writes to assistants, knowledge, sessions, contexts, conversations and jobs need
///   `editor`, except promoting an assistant to production; every other write (clients,
///   alerts, sandbox, promotion, …) needs `admin`.
/// - Members are managed by owners only, reads included.
/// - `/auth/...` (a member's own sign-in and sign-out) needs no role.
pub fn required_role(method: &str, path: &str) -> Option<MemberRole> {
    let mut segments = path.trim_matches('/').split('/');
    let resource = segments.next().unwrap_or_default();
    let read = matches!(method, "GET" | "HEAD")
        || (method == "POST" && resource == "knowledge" && segments.next() == Some("search"));
    Some(match resource {
        "auth" => return None,
        "members" => MemberRole::Owner,
        "alerts" => MemberRole::Admin,
        _ if read => MemberRole::Viewer,
        // Promotion changes production: an admin's decision.
        "assistants" if path.trim_end_matches('/').ends_with("/promote") => MemberRole::Admin,
        r if EDITED.contains(&r) => MemberRole::Editor,
        _ => MemberRole::Admin,
    })
}

/// Whether `role` may send `method` to `path`.
pub fn allows(role: MemberRole, method: &str, path: &str) -> bool {
    required_role(method, path).is_none_or(|least| role >= least)
}

#[cfg(test)]
mod tests {
    use super::*;
    use MemberRole::*;

    #[test]
    fn each_role_includes_the_ones_below() {
        let cases = [
            ("GET", "/analytics/usage", Viewer),
            ("GET", "/clients/", Viewer),
            ("POST", "/knowledge/search", Viewer),
            ("POST", "/knowledge/files", Editor),
            ("PATCH", "/assistants/asst_1", Editor),
            ("POST", "/assistants/asst_1/promote", Admin),
            ("POST", "/conversations/send-message", Editor),
            ("POST", "/jobs/job_1/cancel", Editor),
            ("POST", "/clients/", Admin),
            ("PUT", "/alerts/webhook", Admin),
            ("GET", "/alerts/webhook", Admin),
            ("GET", "/alerts/deliveries", Admin),
            ("POST", "/sandbox/reset", Admin),
            ("GET", "/members/", Owner),
            ("DELETE", "/members/mem_1", Owner),
        ];
        for (method, path, least) in cases {
            assert_eq!(required_role(method, path), Some(least), "{method} {path}");
            for role in MemberRole::ALL {
                assert_eq!(
                    allows(*role, method, path),
                    *role >= least,
                    "{role} {method} {path}"
                );
            }
        }
        assert!(allows(Viewer, "POST", "/auth/logout"));
    }
}
