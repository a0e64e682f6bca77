//! Rate-limit alerts: a tenant's webhook, and the alerts raised when its requests pass 80 % and
//! 100 % of the limit in a window (once per window and kind, across every process). The alert
//! webhook is one subscriber of the event webhooks' delivery: its alerts are webhook
//! deliveries to the endpoint [`ENDPOINT`], sent by `webhooks::deliver` in the alert
//! webhook's own format and signature.

pub mod raise;

use companin_entity::webhook_event::PENDING;
use companin_entity::{environment, webhook_delivery};
use companin_worker::egress;
use rand::RngCore;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};
use serde_json::json;

use super::audit::{self, Change};
use super::{Actor, Tenant};
use crate::Paging;
use crate::error::{ApiError, ErrorCode};

/// The events a webhook receives.
pub const EVENTS: [&str; 2] = ["rate_limit.warning", "rate_limit.blocked"];

/// The `endpoint_id` of alert deliveries: the tenant's alert webhook (its URL and secret are
/// on the environment's row).
pub const ENDPOINT: &str = "alert";

/// A tenant's webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    pub url: Option<String>,
    pub secret: Option<String>,
}

/// Hex HMAC-SHA256 of `body` keyed with `secret`: the `X-Companin-Signature` header.
pub fn sign(secret: &str, body: &[u8]) -> String {
    crate::auth::credentials::hmac_hex(secret.as_bytes(), body)
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!("whsec_{}", hex::encode(bytes))
}

async fn row(conn: &impl ConnectionTrait, tenant: &Tenant) -> Result<environment::Model, ApiError> {
    environment::Entity::find_by_id((tenant.org_id.to_string(), tenant.environment))
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("the tenant has no environment row")))
}

pub async fn get(conn: &impl ConnectionTrait, tenant: &Tenant) -> Result<Webhook, ApiError> {
    let env = row(conn, tenant).await?;
    Ok(Webhook {
        url: env.alert_webhook_url,
        secret: env.alert_webhook_secret,
    })
}

/// Checks a webhook URL: absolute `http` or `https` with a host (else 422
/// `validation_error`), and unless `allow_private` a host that is and resolves to public
/// addresses only (else 422 `url_not_allowed`).
pub async fn validate_url(url: &str, allow_private: bool) -> Result<String, ApiError> {
    egress::parse(url)
        .map_err(|_| ApiError::validation("url", "must be an http or https URL with a host"))?;
    let checked = egress::check(url, allow_private)
        .await
        .map_err(|refusal| ApiError::new(ErrorCode::UrlNotAllowed, refusal.to_string()))?;
    Ok(checked.to_string())
}

/// Sets the webhook's URL (the secret is made on first use, and kept), or with `rotate`
/// replaces the secret. Returns the webhook as it now is.
pub async fn set(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
    url: Option<String>,
    rotate: bool,
) -> Result<Webhook, ApiError> {
    let txn = crate::db::begin_write(db).await?;
    let current = row(&txn, tenant).await?;
    if rotate && current.alert_webhook_url.is_none() {
        return Err(ApiError::not_found("webhook"));
    }
    let mut active: environment::ActiveModel = current.clone().into();
    let mut changes = serde_json::Map::new();
    if let Some(url) = url.filter(|u| Some(u) != current.alert_webhook_url.as_ref()) {
        changes.insert(
            "url".into(),
            json!({"from": current.alert_webhook_url, "to": url}),
        );
        active.alert_webhook_url = Set(Some(url));
    }
    if rotate || current.alert_webhook_secret.is_none() {
        // The secret itself never reaches the audit log.
        changes.insert("secret".into(), json!({"rotated": true}));
        active.alert_webhook_secret = Set(Some(new_secret()));
    }
    let updated = if changes.is_empty() {
        current
    } else {
        let updated = active.update(&txn).await?;
        audit::record(
            &txn,
            tenant,
            actor,
            Change {
                action: if rotate {
                    "alert_webhook.secret_rotated"
                } else {
                    "alert_webhook.updated"
                },
                resource_type: "alert_webhook",
                resource_id: tenant.environment.as_str(),
                changes: Some(serde_json::Value::Object(changes)),
            },
        )
        .await?;
        updated
    };
    txn.commit().await?;
    Ok(Webhook {
        url: updated.alert_webhook_url,
        secret: updated.alert_webhook_secret,
    })
}

/// Removes the webhook and its secret; alerts still waiting are dropped.
pub async fn remove(
    db: &DatabaseConnection,
    tenant: &Tenant,
    actor: &Actor,
) -> Result<(), ApiError> {
    let txn = crate::db::begin_write(db).await?;
    let current = row(&txn, tenant).await?;
    let Some(url) = current.alert_webhook_url.clone() else {
        return Err(ApiError::not_found("webhook"));
    };
    let mut active: environment::ActiveModel = current.into();
    active.alert_webhook_url = Set(None);
    active.alert_webhook_secret = Set(None);
    active.update(&txn).await?;
    webhook_delivery::Entity::delete_many()
        .filter(tenant.rows::<webhook_delivery::Column>())
        .filter(webhook_delivery::Column::EndpointId.eq(ENDPOINT))
        .filter(webhook_delivery::Column::Status.eq(PENDING))
        .exec(&txn)
        .await?;
    audit::commit_change(
        txn,
        tenant,
        actor,
        Change {
            action: "alert_webhook.deleted",
            resource_type: "alert_webhook",
            resource_id: tenant.environment.as_str(),
            changes: Some(json!({"url": {"from": url, "to": null}})),
        },
    )
    .await?;
    Ok(())
}

/// A page of the tenant's alerts, newest first.
pub async fn deliveries(
    conn: &impl ConnectionTrait,
    tenant: &Tenant,
    paging: Paging,
) -> Result<(Vec<webhook_delivery::Model>, u64), ApiError> {
    use webhook_delivery::Column as C;
    let query = webhook_delivery::Entity::find()
        .filter(tenant.rows::<C>())
        .filter(C::EndpointId.eq(ENDPOINT));
    Ok(super::page(conn, query, C::CreatedAt, C::Id, paging).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_hex_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[tokio::test]
    async fn webhook_urls_must_be_http_and_public() {
        assert!(validate_url("http://127.0.0.1:9000/x", true).await.is_ok());
        let code = |r: Result<String, ApiError>| r.map_err(|e| e.code.as_str()).err();
        assert_eq!(
            code(validate_url("ftp://example.com/", true).await),
            Some("validation_error")
        );
        assert_eq!(
            code(validate_url("not a url", true).await),
            Some("validation_error")
        );
        assert_eq!(
            code(validate_url("mailto:ops@example.com", true).await),
            Some("validation_error")
        );
        assert_eq!(
            code(validate_url("http://127.0.0.1:9000/x", false).await),
            Some("url_not_allowed")
        );
        assert_eq!(
            code(validate_url("http://[fd00::1]/x", false).await),
            Some("url_not_allowed")
        );
    }
}
