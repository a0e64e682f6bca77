//! Starting and stopping the service: database, state, HTTP server, graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use companin_config::Settings;
use companin_service::Platform;
use companin_service::auth::jwt::JwtKeys;
use companin_service::telemetry::TelemetryWriter;
use companin_worker::{Lane, Queue, Runtime};
use poem::listener::TcpAcceptor;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::state::AppState;

/// A running server.
pub struct Server {
    /// The address it listens on (useful with port 0).
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Server {
    /// Stops accepting, lets in-flight requests finish, stops the in-process workers, writes
    /// the buffered request logs, and closes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await.context("server task panicked")?
    }
}

/// What `start` runs besides the HTTP API.
#[derive(Debug, Clone, Copy)]
pub struct StartOptions {
    /// Run job workers in this process (`serve --no-worker` turns them off).
    pub worker: bool,
}

impl Default for StartOptions {
    fn default() -> Self {
        Self { worker: true }
    }
}

/// The job workers of a process, stopped with it.
struct Workers {
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Workers {
    /// Loads the embedder (once for the process) and starts the workers: the jobs lane on
    /// `queue`, the job sweeper, the URL sync scheduler, the retention sweep, the sealing of latency samples,
    /// the alert sender and, when generated summaries are on, the enrichment lane.
    async fn start(
        settings: &Settings,
        db: sea_orm::DatabaseConnection,
        queue: Queue,
    ) -> anyhow::Result<Workers> {
        let embedder_settings = settings.clone();
        let embedder =
            tokio::task::spawn_blocking(move || companin_worker::load_embedder(&embedder_settings))
                .await
                .context("loading the embedding model")?
                .context("cannot load the embedding model")?;
        let mut runtime = Runtime::new(db.clone(), embedder, settings.clone())?.with_handler(
            companin_entity::JobKind::SandboxReset,
            Arc::new(companin_service::sandbox::ResetHandler),
        );
        let mut enrichment = None;
        if settings.generator.summaries {
            // Checked now, so a missing or corrupt file stops start-up with its message; loaded
            // by the first summary job, and let go again when summaries stop for a while.
            let checking = settings.clone();
            tokio::task::spawn_blocking(move || companin_worker::check_generator(&checking))
                .await
                .context("checking the generator model")?
                .context("cannot load the generator model")?;
            let lane = Queue::connect_lane(settings, Lane::Enrichment).await?;
            runtime = runtime.with_enrichment(lane.clone());
            enrichment = Some(lane);
        }
        let runtime = Arc::new(runtime);
        let (stop, stopped) = oneshot::channel::<()>();
        let (lanes_stop, lanes_stopped) = tokio::sync::watch::channel(false);
        let stop_signal = move || {
            let mut stopped = lanes_stopped.clone();
            async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            }
        };
        let syncs = tokio::spawn(companin_worker::crawl::run_scheduler(
            runtime.clone(),
            queue.clone(),
            stop_signal(),
        ));
        let sweeper = tokio::spawn(companin_worker::run_sweeper(
            runtime.clone(),
            queue.clone(),
            stop_signal(),
        ));
        let jobs = tokio::spawn(companin_worker::run_workers(
            runtime.clone(),
            queue,
            Lane::Jobs,
            stop_signal(),
        ));
        let retention = tokio::spawn(companin_service::retention::run(
            db.clone(),
            settings.request_log.clone(),
            stop_signal(),
        ));
        let sealing = tokio::spawn(companin_service::analytics::samples::run(
            db.clone(),
            stop_signal(),
        ));
        // Event webhooks and the rate-limit alert webhook, one sender.
        let webhooks = companin_service::webhooks::deliver::Deliverer::new(
            db,
            companin_service::auth::seal::SecretSeal::new(&settings.jwt_secret()?),
            (settings.webhooks.clone(), settings.alerts.clone()),
            settings.crawl.allow_private_networks,
        )
        .context("preparing the webhook sender")?;
        let webhooks = tokio::spawn(webhooks.run(stop_signal()));
        let enrich = enrichment.map(|queue| {
            tokio::spawn(companin_worker::run_workers(
                runtime.clone(),
                queue,
                Lane::Enrichment,
                stop_signal(),
            ))
        });
        let task = tokio::spawn(async move {
            let _ = stopped.await;
            let _ = lanes_stop.send(true);
            let mut result = jobs.await.context("job worker panicked")?;
            syncs.await.context("url sync scheduler panicked")?;
            sweeper.await.context("job sweeper panicked")?;
            retention.await.context("retention sweep panicked")?;
            sealing.await.context("latency sealing panicked")?;
            webhooks.await.context("webhook sender panicked")?;
            if let Some(enrich) = enrich {
                result = result.and(enrich.await.context("enrichment worker panicked")?);
            }
            result
        });
        Ok(Workers { stop, task })
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "job worker failed"),
            Err(e) => tracing::error!(error = %e, "job worker panicked"),
        }
    }
}

/// Runs job workers only (`companin worker`) until SIGINT or SIGTERM.
pub async fn work(settings: Settings) -> anyhow::Result<()> {
    let pools = companin_service::db::Pools::open(&settings).await?;
    companin_service::db::prepare(&pools.write, &settings).await?;
    let queue = Queue::connect(&settings).await?;
    let workers = Workers::start(&settings, pools.write.clone(), queue).await?;
    tracing::info!("companin worker is running");
    shutdown_signal().await;
    tracing::info!("shutting down");
    workers.stop().await;
    pools.close().await;
    Ok(())
}

/// Connects, migrates when configured to, binds `settings.listen` and starts serving (and,
/// by default, the job workers).
pub async fn start(settings: Settings, options: StartOptions) -> anyhow::Result<Server> {
    crate::http::metrics::install();
    let pools = companin_service::db::Pools::open(&settings).await?;
    companin_service::db::prepare(&pools.write, &settings).await?;
    let queue = Queue::connect(&settings).await?;
    let workers = if options.worker {
        Some(Workers::start(&settings, pools.write.clone(), queue.clone()).await?)
    } else {
        None
    };
    let jwt = JwtKeys::new(&settings.jwt_secret()?);
    let (telemetry, telemetry_stop) = TelemetryWriter::spawn(
        pools.write.clone(),
        settings.request_log.batch_size,
        Duration::from_millis(settings.request_log.flush_interval_ms),
    );
    warn_of_other_embedders(pools.read.clone(), settings.embedder.model.name());
    let grace = Duration::from_secs(settings.http.shutdown_grace_secs);
    let listen = settings.listen;
    let platform = Platform::new(pools.clone(), settings, jwt, telemetry, Some(queue))
        .context("preparing the reply generators")?;
    let state = AppState::new(platform);
    // The embedding model loads while the server starts listening: `/readyz` says `loading`
    // until it is in memory, and the first search does not wait for it.
    let warming = state.clone();
    tokio::spawn(async move {
        if let Err(e) = warming.search.load_embedder().await {
            tracing::error!(error = %e.detail, "cannot load the embedding model");
        }
    });

    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("binding {listen}"))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let acceptor = TcpAcceptor::from_tokio(listener).context("preparing the listener")?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = crate::routes::app(state);
    let task = tokio::spawn(async move {
        let signal = async {
            let _ = stopped.await;
        };
        let served = poem::Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(app, signal, Some(grace))
            .await;
        if let Some(workers) = workers {
            workers.stop().await;
        }
        telemetry_stop.shutdown().await;
        pools.close().await;
        served.context("HTTP server failed")
    });
    tracing::info!(%addr, "companin is listening");
    Ok(Server { addr, stop, task })
}

/// Logs, in the background (it counts every chunk), when stored chunks hold another model's
/// vectors than the configured one: after a change of `embedder.model` (or of its default),
/// search finds them by their words only until `companin reindex`.
fn warn_of_other_embedders(db: sea_orm::DatabaseConnection, model: &'static str) {
    tokio::spawn(async move {
        match companin_service::knowledge::chunks_of_other_embedders(&db, model).await {
            Ok(others) => {
                for (embedder, chunks) in others {
                    tracing::warn!(
                        embedder,
                        chunks,
                        configured = model,
                        "chunks embedded by another model are found by their words only: run \
                         `companin reindex` to re-embed them, or set embedder.model back"
                    );
                }
            }
            Err(e) => tracing::warn!(error = %e, "cannot count chunks by embedder"),
        }
    });
}

/// Serves until SIGINT or SIGTERM, then shuts down gracefully.
pub async fn serve(settings: Settings, options: StartOptions) -> anyhow::Result<()> {
    let server = start(settings, options).await?;
    shutdown_signal().await;
    tracing::info!("shutting down");
    server.stop().await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
