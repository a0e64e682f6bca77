//! Operator commands on organizations and clients.

use anyhow::Context;
use companin_config::Settings;
use companin_entity::Environment;
use companin_service::Paging;
use companin_service::auth::seal::SecretSeal;
use companin_service::ids::{ClientId, OrgId};
use companin_service::rate_limit::Limits;
use companin_service::{Actor, Tenant, clients, orgs, sandbox};
use sea_orm::DatabaseConnection;
use serde_json::json;

/// Connects and brings the schema up to date (on the embedded default) or checks it.
pub async fn open(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let db = companin_service::db::connect(settings).await?;
    companin_service::db::prepare(&db, settings).await?;
    Ok(db)
}

/// The seal of new client secrets: the servers of this deployment must be able to open them.
fn seal(settings: &Settings) -> anyhow::Result<SecretSeal> {
    Ok(SecretSeal::new(&settings.jwt_secret()?))
}

fn fail(e: companin_service::error::ApiError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.detail)
}

pub async fn create(
    db: &DatabaseConnection,
    settings: &Settings,
    name: &str,
    (per_hour, per_day): (Option<u32>, Option<u32>),
    as_json: bool,
) -> anyhow::Result<()> {
    let new = orgs::create(
        db,
        &seal(settings)?,
        name,
        orgs::OwnLimits {
            per_hour: per_hour.map(i64::from),
            per_day: per_day.map(i64::from),
        },
        &Actor::Cli,
    )
    .await
    .map_err(fail)?;
    // The workers of `serve` (or `companin worker`) seed the sandbox from the queue. The
    // credentials are printed whatever happens to the seed: they are shown only once.
    let seed_job = if settings.sandbox.seed_on_create {
        let org = OrgId::from_db(new.org.id.clone());
        let queued = match companin_worker::Queue::connect(settings).await {
            Ok(queue) => sandbox::queue_reset(db, &queue, &org).await.map_err(fail),
            Err(e) => Err(anyhow::Error::new(e)),
        };
        match queued {
            Ok(job) => Some(job.id),
            Err(e) => {
                eprintln!(
                    "warning: the sandbox seed could not be queued ({e:#}); run `companin \
                     sandbox seed --org {org}`"
                );
                None
            }
        }
    } else {
        None
    };
    let (production, production_secret) = new.production;
    let (sandbox, sandbox_secret) = new.sandbox;
    let production_key = key_of(&production, &production_secret);
    let sandbox_key = key_of(&sandbox, &sandbox_secret);
    if as_json {
        let out = json!({
            "org_id": new.org.id,
            "production": {
                "client_id": production.id,
                "client_secret": production_secret,
                "api_key": production_key,
            },
            "sandbox": {
                "client_id": sandbox.id,
                "client_secret": sandbox_secret,
                "api_key": sandbox_key,
            },
            "sandbox_seed_job_id": seed_job,
        });
        println!("{out}");
        return Ok(());
    }
    let limits = Limits::of(Some(&new.org), defaults(settings));
    println!("Organization {} ({})", new.org.id, new.org.name);
    println!(
        "Rate limit: {} requests per hour and {} per day, per environment",
        limits.per_hour, limits.per_day
    );
    println!();
    println!("production  X-API-Key: {}", production.id);
    println!("            X-API-Secret: {production_secret}");
    println!("            or alone, X-API-Key: {production_key}");
    println!("sandbox     X-API-Key: {}", sandbox.id);
    println!("            X-API-Secret: {sandbox_secret}");
    println!("            or alone, X-API-Key: {sandbox_key}");
    if let Some(job) = seed_job {
        println!();
        println!("The sandbox gets sample data from job {job}, run by the server's workers.");
    }
    println!();
    println!("Store the secrets now: they are not shown again.");
    Ok(())
}

pub async fn list(
    db: &DatabaseConnection,
    settings: &Settings,
    as_json: bool,
) -> anyhow::Result<()> {
    let mut all = Vec::new();
    let mut paging = Paging::new(Some(companin_service::MAX_LIMIT), Some(0));
    loop {
        let (page, total) = orgs::list(db, paging).await.map_err(fail)?;
        let done = page.is_empty() || paging.offset + page.len() as u64 >= total;
        paging.offset += page.len() as u64;
        all.extend(page);
        if done {
            break;
        }
    }
    let defaults = defaults(settings);
    if as_json {
        let rows: Vec<_> = all
            .iter()
            .map(|o| {
                let limits = Limits::of(Some(o), defaults);
                json!({
                    "id": o.id,
                    "name": o.name,
                    "rate_limit_per_hour": limits.per_hour,
                    "rate_limit_is_custom": o.rate_limit_per_hour.is_some(),
                    "rate_limit_per_day": limits.per_day,
                    "rate_limit_per_day_is_custom": o.rate_limit_per_day.is_some(),
                    "created_at": o.created_at.to_rfc3339(),
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
        return Ok(());
    }
    println!("{:<40}  {:>10}  {:>10}  NAME", "ID", "LIMIT/H", "LIMIT/DAY");
    for o in &all {
        let limits = Limits::of(Some(o), defaults);
        println!(
            "{:<40}  {:>10}  {:>10}  {}",
            o.id, limits.per_hour, limits.per_day, o.name
        );
    }
    Ok(())
}

/// The configured default limits.
fn defaults(settings: &Settings) -> Limits {
    Limits {
        per_hour: i64::from(settings.rate_limit.default_per_hour),
        per_day: i64::from(settings.rate_limit.default_per_day),
    }
}

/// Sets an organization's hourly limit, daily quota, or both.
pub async fn set_limit(
    db: &DatabaseConnection,
    org_id: &str,
    (per_hour, per_day): (Option<u32>, Option<u32>),
) -> anyhow::Result<()> {
    if per_hour.is_none() && per_day.is_none() {
        anyhow::bail!("give --per-hour, --per-day or both");
    }
    let update = orgs::Update {
        name: None,
        rate_limit_per_hour: per_hour.map(|n| Some(i64::from(n))),
        rate_limit_per_day: per_day.map(|n| Some(i64::from(n))),
    };
    let org = orgs::update(db, org_id, update, &Actor::Cli)
        .await
        .map_err(fail)?;
    let mut set = Vec::new();
    if let Some(n) = per_hour {
        set.push(format!("{n} requests per hour"));
    }
    if let Some(n) = per_day {
        set.push(format!("{n} requests per day"));
    }
    println!(
        "{}: rate limit set to {}; running servers apply it within seconds",
        org.id,
        set.join(" and ")
    );
    Ok(())
}

pub async fn create_client(
    db: &DatabaseConnection,
    settings: &Settings,
    org_id: &str,
    environment: Environment,
    name: &str,
    as_json: bool,
) -> anyhow::Result<()> {
    let org = orgs::get(db, org_id).await.map_err(fail)?;
    let tenant = Tenant {
        org_id: OrgId::from_db(org.id),
        environment,
    };
    let seal = seal(settings)?;
    let (client, secret) = clients::create(db, (&tenant, &seal), &Actor::Cli, name, &[], true)
        .await
        .map_err(fail)
        .context("creating the client")?;
    if as_json {
        let out = json!({
            "org_id": client.org_id,
            "environment": environment.as_str(),
            "name": client.name,
            "client_id": client.id,
            "client_secret": secret,
            "api_key": key_of(&client, &secret),
        });
        println!("{out}");
    } else {
        println!("{environment} client {} ({})", client.id, client.name);
        println!("X-API-Key: {}", client.id);
        println!("X-API-Secret: {secret}");
        println!("or alone, X-API-Key: {}", key_of(&client, &secret));
        println!("Store the secret now: it is not shown again.");
    }
    Ok(())
}

/// The client's one-string secret key (`ck_live_…`, `ck_test_…`).
fn key_of(client: &companin_entity::client::Model, secret: &str) -> String {
    let id = ClientId::from_db(client.id.clone());
    companin_service::auth::credentials::secret_key(&id, client.environment, secret)
}
