//! Serving a [`Simulator`] over HTTP.

use std::any::Any;
use std::net::{SocketAddr, TcpListener};

use actix_web::dev::{Extensions, ServerHandle};
use actix_web::middleware::{NormalizePath, TrailingSlash};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};

use crate::config::SimConfig;
use crate::simulator::Simulator;

/// A second handle on the connection's socket, so a handler can cut the connection
/// without answering (fault `drop_after_apply`).
struct ConnSocket(std::net::TcpStream);

fn remember_socket(conn: &dyn Any, ext: &mut Extensions) {
    #[cfg(unix)]
    if let Some(stream) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
        use std::os::fd::AsFd;
        if let Ok(fd) = stream.as_fd().try_clone_to_owned() {
            ext.insert(ConnSocket(std::net::TcpStream::from(fd)));
        }
    }
    #[cfg(not(unix))]
    let _ = (conn, ext);
}

/// Shuts the socket down in both directions: the client reads EOF before any response
/// byte, which HTTP clients report as a connection error.
pub(crate) fn drop_connection(req: &HttpRequest) {
    match req.conn_data::<ConnSocket>() {
        Some(ConnSocket(sock)) => {
            if let Err(e) = sock.shutdown(std::net::Shutdown::Both) {
                tracing::warn!(error = %e, "could not drop connection");
            }
        }
        None => tracing::warn!("no socket handle; answering 500 instead of dropping"),
    }
}

/// Malformed input gets a JSON answer like every other error, so clients and scripts parse
/// one format.
fn bad_request<E: std::fmt::Display + std::fmt::Debug + 'static>(e: E) -> actix_web::Error {
    let body =
        serde_json::json!({"message": "Bad Request", "error": 400, "explanation": e.to_string()});
    actix_web::error::InternalError::from_response(e, HttpResponse::BadRequest().json(body)).into()
}

/// A simulator listening on a local port.
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use reddit_sim::{NewSubreddit, SimConfig, SimServer};
/// let sim = SimServer::start(SimConfig { seed: 7, ..Default::default() }).await?;
/// sim.state().add_subreddit(NewSubreddit { name: "pics".into(), moderators: vec!["alice".into()], bot_is_mod: true }).ok();
/// let api = sim.base_url(); // point both the auth and the API base URL here
/// # let _ = api;
/// sim.stop().await;
/// # Ok(()) }
/// ```
pub struct SimServer {
    addr: SocketAddr,
    sim: Simulator,
    handle: ServerHandle,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl SimServer {
    /// Binds `cfg.bind` (127.0.0.1:0 by default) and serves in the background of the
    /// current tokio runtime.
    pub async fn start(cfg: SimConfig) -> std::io::Result<Self> {
        let sim = Simulator::new(cfg.clone());
        Self::serve(sim, cfg.bind, cfg.workers).await
    }

    /// Serves an existing simulator (e.g. one scripted before the port was known).
    pub async fn serve(sim: Simulator, bind: SocketAddr, workers: usize) -> std::io::Result<Self> {
        let listener = TcpListener::bind(bind)?;
        let addr = listener.local_addr()?;
        let data = web::Data::new(sim.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::JsonConfig::default().error_handler(|e, _| bad_request(e)))
                .app_data(web::FormConfig::default().error_handler(|e, _| bad_request(e)))
                .app_data(web::QueryConfig::default().error_handler(|e, _| bad_request(e)))
                .wrap(NormalizePath::new(TrailingSlash::Trim))
                .configure(crate::api::configure)
                .configure(crate::control::configure)
                .configure(crate::html::configure)
        })
        .on_connect(remember_socket)
        .workers(workers.max(1))
        .disable_signals()
        .listen(listener)?
        .run();
        let handle = server.handle();
        let task = tokio::spawn(server);
        tracing::info!(%addr, "reddit simulator listening");
        Ok(Self {
            addr,
            sim,
            handle,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// In-process control of the served simulator.
    pub fn state(&self) -> &Simulator {
        &self.sim
    }

    /// Stops accepting, waits for in-flight requests, and returns once the server is gone.
    pub async fn stop(mut self) {
        self.handle.stop(true).await;
        if let Some(task) = self.task.take()
            && let Err(e) = task.await
        {
            tracing::warn!(error = %e, "simulator task ended abnormally");
        }
    }
}

impl Drop for SimServer {
    // A test that forgets `stop()` must not leave worker threads serving a dead test.
    // The stop command is sent on the call; awaiting the returned future is optional.
    fn drop(&mut self) {
        if self.task.is_some() {
            drop(self.handle.stop(false));
        }
    }
}
