//! A TCP proxy a test can cut, to take a server (the database) away the way a network
//! partition does — open connections die, new ones are accepted and never answered — and
//! to bring it back.

use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub struct TcpProxy {
    addr: SocketAddr,
    /// `true` while traffic flows.
    up: watch::Sender<bool>,
    accept: JoinHandle<()>,
}

impl TcpProxy {
    /// Listens on a free port of 127.0.0.1 and forwards every connection to `target`.
    pub async fn start(target: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (up, link) = watch::channel(true);
        let accept = tokio::spawn(accept(listener, target, link));
        Ok(Self { addr, up, accept })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Drops every open connection; new ones are accepted and left unanswered.
    pub fn cut(&self) {
        self.up.send_replace(false);
    }

    /// Forwards new connections again (the ones held while cut are closed).
    pub fn restore(&self) {
        self.up.send_replace(true);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        // The connections end with the sender: their `wait_for` fails.
        self.accept.abort();
    }
}

async fn accept(listener: TcpListener, target: SocketAddr, link: watch::Receiver<bool>) {
    while let Ok((client, _)) = listener.accept().await {
        tokio::spawn(forward(client, target, link.clone()));
    }
}

async fn forward(mut client: TcpStream, target: SocketAddr, mut link: watch::Receiver<bool>) {
    if !*link.borrow_and_update() {
        // Cut: the peer waits for an answer that never comes, until the link is back.
        let _ = link.wait_for(|up| *up).await;
        return;
    }
    let Ok(mut server) = TcpStream::connect(target).await else {
        return;
    };
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = link.wait_for(|up| !*up) => {}
    }
}
