//! The registry against a real (SQLite) database: first build, catch-up after changes,
//! restart from the snapshot, a damaged snapshot falling back to a rebuild, and a change of
//! embedding model (vectors of two models never compared, search working throughout).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use companin_entity::index_log::{LOG_KEEP_VERSIONS, bump_index_version};
use companin_entity::knowledge_chunk::{self, encode_vector};
use companin_entity::{Environment, environment, knowledge_chunk_removal};
use companin_migration::Migrator;
use companin_retrieval::snapshot::has_snapshot;
use companin_retrieval::{CatchUp, Mode, Query, Registry, Scope};
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    QueryFilter, QuerySelect, Set,
};
use sea_orm_migration::MigratorTrait;

const DIM: usize = 16;
const ORG: &str = "org_test";
const MODEL: &str = "model-a";

/// A vector per (item, chunk) that is near its item's other chunks.
fn vector(item: usize, chunk: usize) -> Vec<f32> {
    (0..DIM)
        .map(|d| ((item * 31 + d * 7) % 17) as f32 + 0.1 * ((chunk + d) % 3) as f32)
        .collect()
}

async fn database(dir: &std::path::Path) -> DatabaseConnection {
    let url = format!("sqlite:{}?mode=rwc", dir.join("test.db").display());
    // One connection, so the pragma below holds for every statement: the test writes chunks
    // without their items.
    let mut options = ConnectOptions::new(url);
    options.max_connections(1).sqlx_logging(false);
    let db = Database::connect(options).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    db.execute_unprepared("PRAGMA foreign_keys = OFF")
        .await
        .unwrap();
    add_environment(&db, ORG).await;
    db
}

/// `org`'s production environment, at index version 0.
async fn add_environment(db: &DatabaseConnection, org: &str) {
    environment::Entity::insert(environment::ActiveModel {
        org_id: Set(org.to_owned()),
        environment: Set(Environment::Production),
        config_version: Set(0),
        index_version: Set(0),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap();
}

async fn insert_chunks(db: &DatabaseConnection, item: usize, chunks: usize) {
    insert_chunks_of(db, item, chunks, MODEL).await;
}

/// Chunks of `item` embedded by `model` (ids carry the model, as re-embedded chunks get new
/// ids).
async fn insert_chunks_of(db: &DatabaseConnection, item: usize, chunks: usize, model: &str) {
    insert_chunks_in(db, ORG, item, chunks, model).await;
}

/// Chunks of `item` in `org`'s production knowledge, embedded by `model`.
async fn insert_chunks_in(
    db: &DatabaseConnection,
    org: &str,
    item: usize,
    chunks: usize,
    model: &str,
) {
    let rows: Vec<knowledge_chunk::ActiveModel> = (0..chunks)
        .map(|c| knowledge_chunk::ActiveModel {
            id: Set(if model == MODEL {
                format!("chk_{item:04}_{c:02}")
            } else {
                format!("chk_{item:04}_{c:02}_{model}")
            }),
            knowledge_id: Set(format!("kn_{item:04}")),
            org_id: Set(org.to_owned()),
            environment: Set(Environment::Production),
            position: Set(c as i32),
            heading: Set(None),
            content: Set(format!("item{item} topic{} shared words", item % 7)),
            token_count: Set(8),
            embedding: Set(encode_vector(&vector(item, c))),
            source: Set(None),
            page_id: Set(None),
            language: Set(Some("en".to_owned())),
            embedder: Set(model.to_owned()),
            created_at: Set(chrono::Utc::now()),
            added_version: sea_orm::ActiveValue::NotSet,
        })
        .collect();
    knowledge_chunk::Entity::insert_many(rows)
        .exec(db)
        .await
        .unwrap();
}

/// Replaces the chunks of `items` with ones of `model`, as a reindex does (in one go per item).
async fn reembed(db: &DatabaseConnection, items: std::ops::Range<usize>, model: &str) {
    for item in items {
        knowledge_chunk::Entity::delete_many()
            .filter(knowledge_chunk::Column::KnowledgeId.eq(format!("kn_{item:04}")))
            .exec(db)
            .await
            .unwrap();
        insert_chunks_of(db, item, 3, model).await;
    }
}

/// Moves `ORG`'s index version on, as the transaction that changed its chunks does.
async fn bump(db: &DatabaseConnection) -> i64 {
    bump_index_version(db, ORG, Environment::Production)
        .await
        .unwrap()
}

async fn ranking(registry: &Registry, mode: Mode, item: usize) -> Vec<String> {
    ranking_in(registry, ORG, mode, item).await
}

async fn ranking_in(registry: &Registry, org: &str, mode: Mode, item: usize) -> Vec<String> {
    let scope = Scope::all();
    let v = vector(item, 0);
    let text = format!("item{item}");
    registry
        .search(
            org,
            Environment::Production,
            &Query {
                text: &text,
                languages: &[],
                vector: &v,
                mode,
                top_k: 10,
                per_item: 2,
                min_score: 0.0,
                min_score_across_languages: 0.0,
                cross_language_lexical: 1.0,
                scope: &scope,
            },
        )
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.chunk_id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn builds_catches_up_and_restarts_from_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let snapshots = dir.path().join("index");
    for item in 0..40 {
        insert_chunks(&db, item, 10).await;
    }
    bump(&db).await;

    let first = Registry::new(db.clone(), MODEL).with_snapshots(snapshots.clone());
    let built = first.sync(ORG, Environment::Production).await.unwrap();
    assert!(built.rebuilt && built.added == 400, "{built:?}");
    assert!(has_snapshot(&snapshots, ORG, Environment::Production));
    // Nothing moved: nothing to do.
    assert_eq!(
        first.sync(ORG, Environment::Production).await.unwrap(),
        CatchUp::default()
    );

    // Item 0 is deleted and item 40 arrives, as a worker elsewhere would write them.
    knowledge_chunk::Entity::delete_many()
        .filter(knowledge_chunk::Column::KnowledgeId.eq("kn_0000"))
        .exec(&db)
        .await
        .unwrap();
    insert_chunks(&db, 40, 3).await;
    bump(&db).await;
    let caught = first.sync(ORG, Environment::Production).await.unwrap();
    assert_eq!(
        caught,
        CatchUp {
            added: 3,
            removed: 10,
            from_log: true,
            ..CatchUp::default()
        }
    );
    for mode in [Mode::Dense, Mode::Lexical, Mode::Hybrid] {
        let gone = ranking(&first, mode, 0).await;
        assert!(gone.iter().all(|c| !c.starts_with("chk_0000")), "{mode:?}");
    }
    let new = ranking(&first, Mode::Lexical, 40).await;
    assert!(new[0].starts_with("chk_0040"), "{new:?}");

    // A second process over the same data directory starts from the snapshot (written before
    // the change) and applies the change on top of it.
    let second = Registry::new(db.clone(), MODEL).with_snapshots(snapshots.clone());
    let loaded = second.sync(ORG, Environment::Production).await.unwrap();
    assert_eq!(
        loaded,
        CatchUp {
            loaded_snapshot: true,
            added: 3,
            removed: 10,
            from_log: true,
            ..CatchUp::default()
        }
    );
    for item in [3, 17, 40] {
        for mode in [Mode::Dense, Mode::Lexical, Mode::Hybrid] {
            assert_eq!(
                ranking(&first, mode, item).await,
                ranking(&second, mode, item).await,
                "item {item} {mode:?}"
            );
        }
    }

    // A damaged snapshot is not used: the index is rebuilt from the database.
    let tenant_dir = snapshots.join(format!("{ORG}-production"));
    let current = std::fs::read_to_string(tenant_dir.join("CURRENT")).unwrap();
    let graph = tenant_dir.join(current.trim()).join("dense.bin");
    let bytes = std::fs::read(&graph).unwrap();
    std::fs::write(&graph, &bytes[..bytes.len() / 2]).unwrap();
    let third = Registry::new(db.clone(), MODEL).with_snapshots(snapshots.clone());
    let rebuilt = third.sync(ORG, Environment::Production).await.unwrap();
    assert!(rebuilt.rebuilt && !rebuilt.loaded_snapshot, "{rebuilt:?}");
    assert_eq!(rebuilt.added, 393);
    assert_eq!(
        ranking(&first, Mode::Hybrid, 5).await,
        ranking(&third, Mode::Hybrid, 5).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_without_chunks_finds_nothing_and_learns_the_size_later() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let registry = Registry::new(db.clone(), MODEL);
    assert!(ranking(&registry, Mode::Hybrid, 1).await.is_empty());
    insert_chunks(&db, 1, 2).await;
    bump(&db).await;
    let found = ranking(&registry, Mode::Dense, 1).await;
    assert_eq!(found.len(), 2, "{found:?}");
    // An unknown tenant is simply empty.
    let scope = Scope::all();
    let none = registry
        .search(
            "org_other",
            Environment::Sandbox,
            &Query {
                text: "item1",
                languages: &[],
                vector: &vector(1, 0),
                mode: Mode::Hybrid,
                top_k: 5,
                per_item: 1,
                min_score: 0.0,
                min_score_across_languages: 0.0,
                cross_language_lexical: 1.0,
                scope: &scope,
            },
        )
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_change_keeps_search_working_and_never_mixes_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let snapshots = dir.path().join("index");
    for item in 0..6 {
        insert_chunks(&db, item, 3).await;
    }
    bump(&db).await;
    let before = Registry::new(db.clone(), MODEL).with_snapshots(snapshots.clone());
    before.sync(ORG, Environment::Production).await.unwrap();
    assert!(has_snapshot(&snapshots, ORG, Environment::Production));

    // The server now embeds with model-b: every stored vector is model-a's. The snapshot of
    // model-a is not used, the chunks are still found by their words, and no vector search
    // compares a model-b query with model-a vectors.
    let after = Registry::new(db.clone(), "model-b").with_snapshots(snapshots.clone());
    let built = after.sync(ORG, Environment::Production).await.unwrap();
    assert!(built.rebuilt && !built.loaded_snapshot, "{built:?}");
    assert!(ranking(&after, Mode::Dense, 2).await.is_empty());
    let lexical = ranking(&after, Mode::Hybrid, 2).await;
    assert!(lexical[0].starts_with("chk_0002"), "{lexical:?}");

    // Half re-embedded (the reindex replaces an item's chunks in one transaction): dense
    // search sees only model-b chunks, hybrid still finds the rest by their words.
    reembed(&db, 0..3, "model-b").await;
    bump(&db).await;
    let dense = ranking(&after, Mode::Dense, 1).await;
    assert!(
        !dense.is_empty() && dense.iter().all(|c| c.ends_with("_model-b")),
        "{dense:?}"
    );
    let waiting = ranking(&after, Mode::Lexical, 4).await;
    assert!(waiting[0].starts_with("chk_0004"), "{waiting:?}");
    let fused = ranking(&after, Mode::Hybrid, 4).await;
    assert!(fused.iter().any(|c| c.starts_with("chk_0004")), "{fused:?}");
    // Scores of chunks awaiting a vector are 0, and a threshold does not hide them.
    let scope = Scope::all();
    let v = vector(4, 0);
    let hits = after
        .search(
            ORG,
            Environment::Production,
            &Query {
                text: "item4",
                languages: &[],
                vector: &v,
                mode: Mode::Hybrid,
                top_k: 3,
                per_item: 3,
                min_score: 0.5,
                min_score_across_languages: 0.5,
                cross_language_lexical: 1.0,
                scope: &scope,
            },
        )
        .await
        .unwrap();
    assert!(
        hits.iter()
            .any(|h| h.chunk_id.starts_with("chk_0004") && h.score == 0.0)
    );

    // Done: every chunk is model-b's, all of them in vector search, and a snapshot is kept.
    reembed(&db, 3..6, "model-b").await;
    bump(&db).await;
    let dense = ranking(&after, Mode::Dense, 5).await;
    assert!(dense[0].starts_with("chk_0005"), "{dense:?}");
    let restarted = Registry::new(db.clone(), "model-b").with_snapshots(snapshots.clone());
    let loaded = restarted.sync(ORG, Environment::Production).await.unwrap();
    assert!(loaded.loaded_snapshot || loaded.rebuilt, "{loaded:?}");
    assert_eq!(
        ranking(&after, Mode::Dense, 5).await,
        ranking(&restarted, Mode::Dense, 5).await
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_the_memory_budget_the_least_recently_searched_tenant_leaves_memory() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let orgs = ["org_a", "org_b", "org_c"];
    // Each tenant's items are numbered from its own hundred, so a chunk id tells its tenant.
    for (n, org) in orgs.iter().enumerate() {
        add_environment(&db, org).await;
        for item in 0..30 {
            insert_chunks_in(&db, org, n * 100 + item, 10, MODEL).await;
        }
    }
    let unlimited = Registry::new(db.clone(), MODEL);
    unlimited
        .sync("org_a", Environment::Production)
        .await
        .unwrap();
    let (resident, one) = unlimited.resident();
    assert_eq!(resident, 1);
    assert!(one > 300 * DIM * 4, "{one} bytes for 300 chunks");

    // Room for two tenants, not three.
    let budget = one * 5 / 2;
    let registry = Registry::new(db.clone(), MODEL)
        .with_snapshots(dir.path().join("index"))
        .with_memory_budget(budget);
    let mut first_answers = Vec::new();
    for (n, org) in orgs.iter().enumerate() {
        let found = ranking_in(&registry, org, Mode::Hybrid, n * 100 + 7).await;
        assert_eq!(
            found.first().map(String::as_str),
            Some(format!("chk_{:04}_00", n * 100 + 7).as_str())
        );
        assert!(
            found
                .iter()
                .all(|id| id.starts_with(&format!("chk_{n:02}"))),
            "{org} sees only its own chunks: {found:?}"
        );
        first_answers.push(found);
        let (resident, bytes) = registry.resident();
        assert!(
            resident <= 2 && bytes <= budget,
            "{resident} tenants, {bytes} bytes"
        );
    }
    assert_eq!(registry.resident().0, 2);

    // The first tenant was the least recently searched, so it left memory; it comes back from
    // its snapshot, answers as before, and the next least recent (org_b) leaves in its place.
    let back = registry
        .sync("org_a", Environment::Production)
        .await
        .unwrap();
    assert!(back.loaded_snapshot, "{back:?}");
    assert_eq!(
        ranking_in(&registry, "org_a", Mode::Hybrid, 7).await,
        first_answers[0]
    );
    let (resident, bytes) = registry.resident();
    assert!(
        resident == 2 && bytes <= budget,
        "{resident} tenants, {bytes} bytes"
    );
    let b = registry
        .sync("org_b", Environment::Production)
        .await
        .unwrap();
    assert!(b.loaded_snapshot, "org_b had left: {b:?}");
    let c = registry
        .sync("org_c", Environment::Production)
        .await
        .unwrap();
    assert!(c.loaded_snapshot, "org_c left when org_b came back: {c:?}");
}

/// Many tenants searched at once, in a random order, with room in memory for few of them:
/// indexes leave and come back while others search, and no search ever sees another tenant's
/// chunks or misses its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tenants_searched_at_once_under_the_budget_see_only_their_own_chunks() {
    const TENANTS: usize = 12;
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let org = |n: usize| format!("org_{n:02}");
    for n in 0..TENANTS {
        add_environment(&db, &org(n)).await;
        for item in 0..10 {
            insert_chunks_in(&db, &org(n), n * 100 + item, 5, MODEL).await;
        }
    }
    let one = {
        let probe = Registry::new(db.clone(), MODEL);
        probe.sync(&org(0), Environment::Production).await.unwrap();
        probe.resident().1
    };
    // Room for three tenants of twelve.
    let budget = one * 3 + one / 2;
    let registry = std::sync::Arc::new(
        Registry::new(db.clone(), MODEL)
            .with_snapshots(dir.path().join("index"))
            .with_memory_budget(budget),
    );
    let searchers: Vec<_> = (0..4u64)
        .map(|seed| {
            let registry = registry.clone();
            tokio::spawn(async move {
                // A small deterministic shuffle per searcher.
                let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
                for _ in 0..30 {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let n = (state % TENANTS as u64) as usize;
                    let item = n * 100 + (state >> 8) as usize % 10;
                    let found =
                        ranking_in(&registry, &format!("org_{n:02}"), Mode::Hybrid, item).await;
                    assert_eq!(
                        found.first().map(String::as_str),
                        Some(format!("chk_{item:04}_00").as_str()),
                        "org_{n:02} finds its item {item}: {found:?}"
                    );
                    assert!(
                        found
                            .iter()
                            .all(|id| id.starts_with(&format!("chk_{n:02}"))),
                        "org_{n:02} sees only its own chunks: {found:?}"
                    );
                }
            })
        })
        .collect();
    for searcher in searchers {
        searcher.await.unwrap();
    }
    let (resident, bytes) = registry.resident();
    assert!(
        resident <= 4 && bytes <= budget + one,
        "{resident} tenants, {bytes} bytes, budget {budget}"
    );
}

/// A restart takes the BM25 index and every slot's state from the snapshot and reads only the
/// rows of chunks added since; a snapshot in an earlier release's format, or with a damaged
/// BM25 file, means a rebuild.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_reads_only_the_rows_added_since_the_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    let snapshots = dir.path().join("index");
    for item in 0..30 {
        insert_chunks(&db, item, 5).await;
    }
    bump(&db).await;
    let first = Registry::new(db.clone(), MODEL).with_snapshots(snapshots.clone());
    assert!(
        first
            .sync(ORG, Environment::Production)
            .await
            .unwrap()
            .rebuilt
    );
    let mut before = Vec::new();
    for mode in [Mode::Dense, Mode::Lexical, Mode::Hybrid] {
        before.push(ranking(&first, mode, 17).await);
    }

    // The stored text of the chunks the snapshot holds is blanked behind the registries' back:
    // a restart that read those rows would lose their words.
    knowledge_chunk::Entity::update_many()
        .col_expr(
            knowledge_chunk::Column::Content,
            sea_orm::sea_query::Expr::value(""),
        )
        .exec(&db)
        .await
        .unwrap();
    insert_chunks(&db, 30, 2).await;
    bump(&db).await;
    let second = Registry::new(db.clone(), MODEL).with_snapshots(snapshots.clone());
    let loaded = second.sync(ORG, Environment::Production).await.unwrap();
    assert_eq!(
        loaded,
        CatchUp {
            loaded_snapshot: true,
            added: 2,
            from_log: true,
            ..CatchUp::default()
        }
    );
    for (mode, before) in [Mode::Dense, Mode::Lexical, Mode::Hybrid]
        .iter()
        .zip(&before)
    {
        assert_eq!(&ranking(&second, *mode, 17).await, before, "{mode:?}");
    }
    assert_eq!(ranking(&second, Mode::Lexical, 30).await[0], "chk_0030_00");

    // A snapshot of an earlier release (its manifest names hnsw_rs' graph files, not
    // `dense.bin`): not read; the index is rebuilt and written in today's format.
    let tenant_dir = snapshots.join(format!("{ORG}-production"));
    let current = || {
        tenant_dir.join(
            std::fs::read_to_string(tenant_dir.join("CURRENT"))
                .unwrap()
                .trim(),
        )
    };
    let manifest_path = current().join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    let fields = manifest.as_object_mut().unwrap();
    fields.remove("dense_bytes");
    fields.insert("file_sizes".into(), serde_json::json!([1000, 2000]));
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    std::fs::remove_file(current().join("dense.bin")).unwrap();
    let third = Registry::new(db.clone(), MODEL).with_snapshots(snapshots.clone());
    let rebuilt = third.sync(ORG, Environment::Production).await.unwrap();
    assert!(rebuilt.rebuilt && !rebuilt.loaded_snapshot, "{rebuilt:?}");
    assert_eq!(ranking(&third, Mode::Dense, 17).await, before[0]);
    let rewritten: serde_json::Value =
        serde_json::from_slice(&std::fs::read(current().join("manifest.json")).unwrap()).unwrap();
    assert!(
        rewritten["dense_bytes"].is_u64(),
        "written again: {rewritten}"
    );
    assert!(current().join("dense.bin").is_file());

    // A damaged BM25 file: rebuilt from the database.
    let lexical = current().join("lexical");
    let segment = std::fs::read_dir(&lexical)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "idx"))
        .unwrap();
    std::fs::write(&segment, b"not a segment").unwrap();
    let fourth = Registry::new(db.clone(), MODEL).with_snapshots(snapshots.clone());
    let rebuilt = fourth.sync(ORG, Environment::Production).await.unwrap();
    assert!(rebuilt.rebuilt && !rebuilt.loaded_snapshot, "{rebuilt:?}");
    assert_eq!(ranking(&fourth, Mode::Dense, 17).await, before[0]);
}

/// A catch-up reads the change log (the rows added since its version and the ids deleted
/// since), not every chunk id; an index older than the log (its removals pruned) compares
/// every id instead, and ends up alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catch_up_reads_the_change_log_until_it_is_pruned_past_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path()).await;
    for item in 0..20 {
        insert_chunks(&db, item, 5).await;
    }
    bump(&db).await;
    let registry = Registry::new(db.clone(), MODEL);
    assert!(
        registry
            .sync(ORG, Environment::Production)
            .await
            .unwrap()
            .rebuilt
    );

    // Deleted and added in one transaction, as a re-ingestion does; the trigger logs the
    // deletes, the bump stamps both.
    let delete = |item: usize| {
        knowledge_chunk::Entity::delete_many()
            .filter(knowledge_chunk::Column::KnowledgeId.eq(format!("kn_{item:04}")))
    };
    delete(3).exec(&db).await.unwrap();
    insert_chunks(&db, 20, 4).await;
    let version = bump(&db).await;
    assert_eq!(version, 2);
    let logged: Vec<(String, Option<i64>)> = knowledge_chunk_removal::Entity::find()
        .select_only()
        .column(knowledge_chunk_removal::Column::ChunkId)
        .column(knowledge_chunk_removal::Column::Version)
        .into_tuple()
        .all(&db)
        .await
        .unwrap();
    assert_eq!(logged.len(), 5, "{logged:?}");
    assert!(
        logged
            .iter()
            .all(|(id, v)| id.starts_with("chk_0003") && *v == Some(2))
    );
    let caught = registry.sync(ORG, Environment::Production).await.unwrap();
    assert_eq!(
        caught,
        CatchUp {
            added: 4,
            removed: 5,
            from_log: true,
            ..CatchUp::default()
        }
    );
    assert_eq!(
        ranking(&registry, Mode::Lexical, 20).await[0],
        "chk_0020_00"
    );
    assert!(
        ranking(&registry, Mode::Hybrid, 3)
            .await
            .iter()
            .all(|c| !c.starts_with("chk_0003"))
    );

    // A second registry stops at version 2; the tenant then moves on for longer than the log
    // keeps removals, and item 5 goes in between.
    let behind = Registry::new(db.clone(), MODEL);
    behind.sync(ORG, Environment::Production).await.unwrap();
    delete(5).exec(&db).await.unwrap();
    for _ in 0..LOG_KEEP_VERSIONS + 100 {
        bump(&db).await;
    }
    let state = environment::Entity::find_by_id((ORG.to_owned(), Environment::Production))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert!(state.index_log_from > 2, "pruned: {}", state.index_log_from);
    let pruned = knowledge_chunk_removal::Entity::find()
        .filter(knowledge_chunk_removal::Column::ChunkId.starts_with("chk_0005"))
        .all(&db)
        .await
        .unwrap();
    assert!(pruned.is_empty(), "removals older than the log are pruned");
    let compared = behind.sync(ORG, Environment::Production).await.unwrap();
    assert_eq!(
        compared,
        CatchUp {
            removed: 5,
            from_log: false,
            ..CatchUp::default()
        }
    );
    // The first registry, at the same version, does the same; both agree.
    let followed = registry.sync(ORG, Environment::Production).await.unwrap();
    assert_eq!(followed.removed, 5);
    for mode in [Mode::Dense, Mode::Lexical, Mode::Hybrid] {
        assert_eq!(
            ranking(&registry, mode, 5).await,
            ranking(&behind, mode, 5).await,
            "{mode:?}"
        );
    }
    // The database goes back to an older state (a backup restored under running servers):
    // an index newer than the database cannot trust the log, and compares every id.
    environment::Entity::update_many()
        .col_expr(environment::Column::IndexVersion, 7.into())
        .col_expr(environment::Column::IndexLogFrom, 0.into())
        .exec(&db)
        .await
        .unwrap();
    delete(6).exec(&db).await.unwrap();
    let restored = registry.sync(ORG, Environment::Production).await.unwrap();
    assert_eq!(
        restored,
        CatchUp {
            removed: 5,
            from_log: false,
            ..CatchUp::default()
        }
    );
}
