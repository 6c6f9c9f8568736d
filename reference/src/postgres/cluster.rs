//! A throwaway PostgreSQL cluster from the installed binaries (`initdb`, `pg_ctl`), in a
//! private folder, run as `postgres` when the kit runs as root, removed on drop.

use std::path::{Path, PathBuf};
use std::process::Command;

/// 32 hex digits from the kernel's random source: the password of a server the kit starts.
pub(super) fn random_password() -> Result<String, String> {
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

/// A cluster made by `initdb` in a private temporary folder (its socket too), with a random
/// password, run by `pg_ctl`, removed on drop.
pub(super) struct LocalCluster {
    bin: PathBuf,
    pub(super) dir: PathBuf,
    pub(super) port: u16,
    /// When started as root, the cluster runs as this user (PostgreSQL refuses root).
    user: Option<String>,
    /// The password of user `postgres` (scram-sha-256, on TCP and on the socket alike).
    pub(super) password: String,
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
    pub(super) fn start() -> Result<LocalCluster, String> {
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
    pub(super) fn remove(&self) {
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
