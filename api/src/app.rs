//! Starting and stopping the service: database, state, HTTP server, graceful shutdown.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use companin_config::Settings;
use poem::listener::TcpAcceptor;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::auth::jwt::JwtKeys;
use crate::state::AppState;
use crate::telemetry::TelemetryWriter;

/// A running server.
pub struct Server {
    /// The address it listens on (useful with port 0).
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Server {
    /// Stops accepting, lets in-flight requests finish, writes the buffered request logs, and
    /// closes the database.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await.context("server task panicked")?
    }
}

/// Connects, migrates when configured to, binds `settings.listen` and starts serving.
pub async fn start(settings: Settings) -> anyhow::Result<Server> {
    crate::http::metrics::install();
    let pools = crate::db::Pools::open(&settings).await?;
    crate::db::prepare(&pools.write, &settings).await?;
    let jwt = JwtKeys::new(&settings.jwt_secret()?);
    let (telemetry, telemetry_stop) = TelemetryWriter::spawn(
        pools.write.clone(),
        settings.request_log.batch_size,
        Duration::from_millis(settings.request_log.flush_interval_ms),
    );
    let grace = Duration::from_secs(settings.http.shutdown_grace_secs);
    let listen = settings.listen;
    let state = AppState::new(pools.clone(), settings, jwt, telemetry);

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
        telemetry_stop.shutdown().await;
        pools.close().await;
        served.context("HTTP server failed")
    });
    tracing::info!(%addr, "companin is listening");
    Ok(Server { addr, stop, task })
}

/// Serves until SIGINT or SIGTERM, then shuts down gracefully.
pub async fn serve(settings: Settings) -> anyhow::Result<()> {
    let server = start(settings).await?;
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
