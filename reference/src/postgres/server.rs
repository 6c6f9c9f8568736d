//! Where a PostgreSQL server comes from, in this order: `LIMANI_POSTGRES_URL`; a container
//! through testcontainers when a Docker engine answers (`LIMANI_POSTGRES_IMAGE`; by default the
//! kit's own image when it is there, else `postgres:16-alpine`; never pulled when present); a
//! throwaway local cluster made with the installed `initdb`/`pg_ctl`. Containers and clusters are removed when the server is dropped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

#[cfg(feature = "containers")]
use testcontainers::core::{IntoContainerPort, WaitFor};
#[cfg(feature = "containers")]
use testcontainers::runners::SyncRunner;
#[cfg(feature = "containers")]
use testcontainers::{Container, GenericImage, ImageExt};

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
                let alive = !pid.is_empty() && Path::new("/proc").join(&pid).exists();
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

/// 32 hex digits from the kernel's random source: the password of a server the kit starts.
fn random_password() -> Result<String, String> {
    let mut bytes = [0u8; 16];
    std::io::Read::read_exact(
        &mut std::fs::File::open("/dev/urandom").map_err(|e| e.to_string())?,
        &mut bytes,
    )
    .map_err(|e| format!("/dev/urandom: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `text` as one word for the shell `pg_ctl -o` hands its options to.
fn shell_quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
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

/// A cluster made by `initdb` in a private temporary folder (its socket too), with a random
/// password, run by `pg_ctl`, removed on drop.
struct LocalCluster {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    /// When started as root, the cluster runs as this user (PostgreSQL refuses root).
    user: Option<String>,
    /// The password of user `postgres` (scram-sha-256, on TCP and on the socket alike).
    password: String,
}

/// The folder of `initdb` and `pg_ctl`: on PATH, else Debian's `/usr/lib/postgresql/N/bin`.
fn binaries() -> Result<PathBuf, String> {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file());
    if let Some(dir) = on_path {
        return Ok(dir);
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map_err(|_| {
            "initdb and pg_ctl are not installed (not on PATH, no /usr/lib/postgresql)".to_owned()
        })?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| d.join("initdb").is_file())
        .collect();
    versions.sort();
    versions
        .pop()
        .ok_or_else(|| "no initdb under /usr/lib/postgresql".to_owned())
}

pub(crate) fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}

/// The uid and gid of a user, from /etc/passwd.
fn user_ids(user: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.first() == Some(&user))
            .then(|| Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?)))?
    })
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

impl LocalCluster {
    fn start() -> Result<LocalCluster, String> {
        let bin = binaries()?;
        // The guard removes the folder on every early return; the cluster's Drop does after.
        let guard = tempfile::Builder::new()
            .prefix("limani-pg-")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .tempdir()
            .map_err(|e| e.to_string())?;
        let user = if is_root() {
            let (uid, gid) = user_ids("postgres")
                .ok_or("started as root, and there is no user `postgres` to run the cluster as")?;
            std::os::unix::fs::chown(guard.path(), Some(uid), Some(gid))
                .map_err(|e| e.to_string())?;
            Some("postgres".to_owned())
        } else {
            None
        };
        // The password file sits in the private folder only while initdb reads it.
        let password = random_password()?;
        let pwfile = guard.path().join("pwfile");
        std::fs::write(&pwfile, format!("{password}\n")).map_err(|e| e.to_string())?;
        if let Some(user) = &user {
            let (uid, gid) = user_ids(user).unwrap_or_default();
            std::os::unix::fs::chown(&pwfile, Some(uid), Some(gid)).map_err(|e| e.to_string())?;
        }
        let port = free_port()?;
        let mut cluster = LocalCluster {
            bin,
            dir: guard.keep(),
            port,
            user,
            password,
        };
        let data = cluster.dir.join("data");
        let initdb = cluster.run(
            "initdb",
            &[
                "-D",
                &data.display().to_string(),
                "-U",
                "postgres",
                "--auth=scram-sha-256",
                &format!("--pwfile={}", pwfile.display()),
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "-N",
            ],
        );
        let _ = std::fs::remove_file(&pwfile);
        initdb?;
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            cluster.port,
            shell_quoted(&cluster.dir.display().to_string())
        );
        let log = cluster.dir.join("log");
        for _ in 0..3 {
            let started = cluster.run(
                "pg_ctl",
                &[
                    "-D",
                    &data.display().to_string(),
                    "-l",
                    &log.display().to_string(),
                    "-o",
                    &options,
                    "-w",
                    "start",
                ],
            );
            if started.is_ok() {
                return Ok(cluster);
            }
            cluster.port = free_port()?; // the port was taken meanwhile
        }
        Err(format!(
            "pg_ctl could not start the cluster: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        ))
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let path = self.bin.join(program);
        let output = match &self.user {
            Some(user) => Command::new("runuser")
                .args(["-u", user, "--"])
                .arg(&path)
                .args(args)
                .current_dir(&self.dir)
                .output(),
            None => Command::new(&path)
                .args(args)
                .current_dir(&self.dir)
                .output(),
        }
        .map_err(|e| format!("{}: {e}", path.display()))?;
        match output.status.success() {
            true => Ok(()),
            false => Err(format!(
                "{program} failed: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            )),
        }
    }
}

impl LocalCluster {
    /// Stops the cluster and removes its folder (idempotent).
    fn remove(&self) {
        let data = self.dir.join("data").display().to_string();
        if Path::new(&data).exists() {
            let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
        }
        let _ = std::fs::remove_dir_all(Path::new(&self.dir));
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        self.remove();
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pg_ctl_options_keep_a_folder_as_one_word() {
        let quoted = shell_quoted("/tmp/it's a dir");
        let out = Command::new("sh")
            .args(["-c", &format!("printf '%s|' {quoted}")])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "/tmp/it's a dir|");
    }

    #[test]
    fn passwords_are_random() {
        let (a, b) = (random_password().unwrap(), random_password().unwrap());
        assert!(a.len() == 32 && a != b);
    }
}
