//! `companin member create`: the first owner of an organization's console (or anyone else),
//! with a one-time sign-in link; no mail server needed.

use companin_config::Settings;
use companin_entity::MemberRole;
use companin_service::ids::OrgId;
use companin_service::{Actor, members};
use sea_orm::DatabaseConnection;
use serde_json::json;

pub async fn create(
    db: &DatabaseConnection,
    settings: &Settings,
    org_id: &str,
    (email, role): (&str, MemberRole),
    as_json: bool,
) -> anyhow::Result<()> {
    let org =
        OrgId::parse(org_id).ok_or_else(|| anyhow::anyhow!("organization {org_id} not found"))?;
    let ttl = settings.auth.invitation_ttl_hours;
    let made = members::invite(db, ttl, &org, &Actor::Cli, (email, role))
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.detail))?;
    let link = format!(
        "http://{}{}",
        settings.listen,
        members::invitation_path(&made.token)
    );
    if as_json {
        let out = json!({
            "member_id": made.member.id,
            "email": made.member.email,
            "role": made.member.role.as_str(),
            "invitation_token": made.token,
            "invitation_url": link,
            "expires_at": made.expires_at,
        });
        println!("{out}");
    } else {
        println!(
            "member:     {} ({}, {})",
            made.member.id, made.member.email, role
        );
        println!("sign-in link (works once, until {}):", made.expires_at);
        println!("  {link}");
        println!(
            "(behind a proxy, use its address in place of {})",
            settings.listen
        );
    }
    Ok(())
}
