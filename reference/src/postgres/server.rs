//! Where a PostgreSQL server comes from, in this order: `LIMANI_POSTGRES_URL`; a container
//! through testcontainers when a Docker engine answers (`LIMANI_POSTGRES_IMAGE`; by default the
//! kit's own image when it is there, else `postgres:16-alpine`; never pulled when present); a
//! throwaway local cluster made with the installed `initdb`/`pg_ctl`. Containers and clusters are removed when the server is dropped.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

#[cfg(feature = "containers")]
use testcontainers::core::{IntoContainerPort, WaitFor};
#[cfg(feature = "containers")]
use testcontainers::runners::SyncRunner;
#[cfg(feature = "containers")]
use testcontainers::{Container, GenericImage, ImageExt};

#[cfg(feature = "containers")]
use super::cluster::random_password;
use super::cluster::LocalCluster;

/// How long a new server may take to accept queries.
const PATIENCE: Duration = Duration::from_secs(60);

/// A running PostgreSQL server and what keeps it alive.
pub struct PgServer {
    url: String,
    origin: String,
    _keep: Keep,
}

/// What keeps the server: removed on `Drop`, or by [`PgServer::teardown`].
enum Keep {
    Nothing,
    #[cfg(feature = "containers")]
    Container(Box<Container<GenericImage>>),
    Cluster(LocalCluster),
}

impl PgServer {
    /// The connection URL (user `postgres`; the kit's own servers have a random password in it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where the server came from, for reports ("LIMANI_POSTGRES_URL", "container ...", "local cluster ...").
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Removes the container or the cluster now, from any thread (for an interrupted run, whose
    /// `Drop`s never come); a server someone else runs is left alone. Dropping it later is harmless.
    pub fn teardown(&self) {
        match &self._keep {
            Keep::Nothing => {}
            #[cfg(feature = "containers")]
            Keep::Container(container) => {
                let _ = Command::new("docker")
                    .args(["rm", "-f", "-v", container.id()])
                    .output();
            }
            Keep::Cluster(cluster) => cluster.remove(),
        }
    }

    /// What happened to a server the kit started, once it no longer runs: its container
    /// stopped or removed, its cluster's postmaster gone. `None` while it runs, and always for
    /// a server someone else runs (the kit cannot tell a lost server from a harbor's defect).
    pub fn lost(&self) -> Option<String> {
        match &self._keep {
            Keep::Nothing => None,
            #[cfg(feature = "containers")]
            Keep::Container(container) => {
                let out = Command::new("docker")
                    .args(["inspect", "--format", "{{.State.Running}}", container.id()])
                    .output();
                let running =
                    out.is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "true");
                (!running).then(|| {
                    format!(
                        "the PostgreSQL container {} stopped",
                        &container.id()[..12.min(container.id().len())]
                    )
                })
            }
            Keep::Cluster(cluster) => {
                let pid = std::fs::read_to_string(cluster.dir.join("data/postmaster.pid")).ok();
                let pid = pid
                    .as_deref()
                    .and_then(|p| p.lines().next())
                    .unwrap_or("")
                    .trim()
                    .to_owned();
                let alive = !pid.is_empty() && is_running(&pid);
                (!alive).then(|| {
                    format!(
                        "the local PostgreSQL cluster in {} stopped",
                        cluster.dir.display()
                    )
                })
            }
        }
    }

    /// A server someone else runs, at `url`.
    pub fn at(url: &str) -> PgServer {
        PgServer {
            url: url.to_owned(),
            origin: url.to_owned(),
            _keep: Keep::Nothing,
        }
    }

    /// The first server to be had, in the documented order; the error names all three ways.
    pub fn any() -> Result<PgServer, String> {
        Self::any_with(std::env::var("LIMANI_POSTGRES_URL").ok())
    }

    /// As [`PgServer::any`], with `url` in the place of `LIMANI_POSTGRES_URL`.
    pub fn any_with(url: Option<String>) -> Result<PgServer, String> {
        if let Some(server) = url.filter(|u| !u.is_empty()).map(Self::from_url) {
            return server;
        }
        let docker = match Self::docker() {
            Ok(server) => return Ok(server),
            Err(e) => e,
        };
        let local = match Self::local() {
            Ok(server) => return Ok(server),
            Err(e) => e,
        };
        Err(format!(
            "no PostgreSQL server: set LIMANI_POSTGRES_URL to a server's URL, or start a Docker engine \
             (with the image {}), or install PostgreSQL's binaries (initdb, pg_ctl).\n  docker: {docker}\n  local cluster: {local}",
            default_image()
        ))
    }

    /// The server at `url` (as `LIMANI_POSTGRES_URL` names it), once it answers.
    pub fn from_url(url: String) -> Result<PgServer, String> {
        wait_ready(&url, PATIENCE).map(|()| PgServer {
            url,
            origin: "LIMANI_POSTGRES_URL".to_owned(),
            _keep: Keep::Nothing,
        })
    }

    /// Without the `containers` feature there are no containers: says so.
    #[cfg(not(feature = "containers"))]
    pub fn docker() -> Result<PgServer, String> {
        Err("built without the `containers` feature of the reference crate".to_owned())
    }

    /// A new container of [`default_image`] through testcontainers.
    #[cfg(feature = "containers")]
    pub fn docker() -> Result<PgServer, String> {
        Self::docker_image(&default_image())
    }

    /// Without the `containers` feature there are no containers: says so.
    #[cfg(not(feature = "containers"))]
    pub fn docker_image(_name: &str) -> Result<PgServer, String> {
        Self::docker()
    }

    /// A new container of the image `name` through testcontainers (pulled only when missing).
    #[cfg(feature = "containers")]
    pub fn docker_image(name: &str) -> Result<PgServer, String> {
        let name = name.to_owned();
        // A tag follows the last ':' only if no '/' comes after it (registry:5000/postgres has none).
        let (repository, tag) = match name.rsplit_once(':') {
            Some((repository, tag)) if !tag.contains('/') => (repository, tag),
            _ => (name.as_str(), "latest"),
        };
        let password = random_password()?;
        let container = GenericImage::new(repository, tag)
            .with_exposed_port(5432.tcp())
            .with_wait_for(WaitFor::message_on_stderr("ready to accept connections"))
            .with_env_var("POSTGRES_USER", "postgres")
            .with_env_var("POSTGRES_PASSWORD", &password)
            .with_host_config_modifier(publish_on_loopback)
            .with_startup_timeout(PATIENCE)
            .start()
            .map_err(|e| match image_present(&name) {
                true => format!("{name}: {e}"),
                false => format!(
                    "{name}: {e} (the image is not here: `bash ci/postgres-image.sh` builds {KIT_IMAGE})"
                ),
            })?;
        let port = container
            .get_host_port_ipv4(5432)
            .map_err(|e| e.to_string())?;
        let url = format!("postgres://postgres:{password}@127.0.0.1:{port}/postgres");
        wait_ready(&url, PATIENCE)?;
        Ok(PgServer {
            url,
            origin: format!("container {name} ({})", container.id()),
            _keep: Keep::Container(Box::new(container)),
        })
    }

    /// A throwaway cluster from the installed binaries, on a free port of 127.0.0.1.
    pub fn local() -> Result<PgServer, String> {
        let cluster = LocalCluster::start()?;
        let url = format!(
            "postgres://postgres:{}@127.0.0.1:{}/postgres",
            cluster.password, cluster.port
        );
        wait_ready(&url, PATIENCE)?;
        Ok(PgServer {
            url,
            origin: format!("local cluster in {}", cluster.dir.display()),
            _keep: Keep::Cluster(cluster),
        })
    }
}

/// Publishes the container's port on 127.0.0.1 only, never on every interface of the machine.
#[cfg(feature = "containers")]
fn publish_on_loopback(host: &mut testcontainers::bollard::models::HostConfig) {
    let binding = testcontainers::bollard::models::PortBinding {
        host_ip: Some("127.0.0.1".to_owned()),
        host_port: Some(String::new()),
    };
    host.publish_all_ports = Some(false);
    host.port_bindings = Some([("5432/tcp".to_owned(), Some(vec![binding]))].into());
}

/// The image `ci/postgres-image.sh` builds from Debian's packages (no registry needed).
pub const KIT_IMAGE: &str = "limani-kit/postgres:15-scram";

/// The official image, for a machine whose Docker engine reaches a registry.
pub const OFFICIAL_IMAGE: &str = "postgres:16-alpine";

/// `$LIMANI_POSTGRES_IMAGE`; else the kit's image when this engine has it; else the official one.
pub fn default_image() -> String {
    match std::env::var("LIMANI_POSTGRES_IMAGE") {
        Ok(image) if !image.is_empty() => image,
        _ if image_present(KIT_IMAGE) => KIT_IMAGE.to_owned(),
        _ => OFFICIAL_IMAGE.to_owned(),
    }
}

/// `true` when the Docker engine has `image` (no pull).
pub fn image_present(image: &str) -> bool {
    Command::new("docker")
        .args(["image", "inspect", "--format", "{{.Id}}", image])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Waits until the server at `url` accepts a query, up to `patience`.
pub fn wait_ready(url: &str, patience: Duration) -> std::result::Result<(), String> {
    let started = std::time::Instant::now();
    loop {
        match postgres::Client::connect(url, postgres::NoTls)
            .and_then(|mut c| c.simple_query("SELECT 1").map(drop))
        {
            Ok(()) => return Ok(()),
            Err(e) if started.elapsed() > patience => {
                return Err(format!(
                    "PostgreSQL at {url} did not answer within {patience:?}: {e}"
                ))
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// True while the process `pid` runs: a killed postmaster that its parent has not reaped yet
/// (a zombie, as under an init that reaps late) is gone.
fn is_running(pid: &str) -> bool {
    let stat = std::fs::read_to_string(Path::new("/proc").join(pid).join("stat"));
    // The state is the field after the command, which is in parentheses and may hold spaces.
    let state = |stat: &str| {
        stat.rsplit(')')
            .next()?
            .split_whitespace()
            .next()
            .map(str::to_owned)
    };
    stat.ok()
        .and_then(|s| state(&s))
        .is_some_and(|state| !matches!(state.as_str(), "Z" | "X" | "x"))
}
