//! What the kit's own tests need and make themselves on a fresh machine: the PostgreSQL image
//! (built from Debian's packages when none can be pulled), once, under a file lock in the
//! target folder, so that test binaries running at once build it once. Not for harbor authors.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use crate::postgres::server::{image_present, KIT_IMAGE, OFFICIAL_IMAGE};

/// The kit's checkout, whose `ci/` scripts build what the tests need.
fn checkout() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `make` while holding the lock `name` (a file under `target/limani-prepare/`): one
/// process at a time, the others wait and then find what the first one made.
pub fn locked<T>(name: &str, make: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    let folder = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| checkout().join("target"))
        .join("limani-prepare");
    std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let path = folder.join(format!("{name}.lock"));
    let file = File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    file.lock()
        .map_err(|e| format!("locking {}: {e}", path.display()))?;
    make()
}

/// `true` when a Docker engine answers.
pub fn docker_answers() -> bool {
    Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The PostgreSQL image the container tests use, made ready: `$LIMANI_POSTGRES_IMAGE` if set,
/// else the kit's image when it is there, else the official one (pulled if a registry answers),
/// else the kit's image, built by `ci/postgres-image.sh` (about a minute, progress on stderr).
/// Said once per test process; the error is one line naming what is missing.
pub fn postgres_image() -> Result<String, String> {
    static CHOSEN: OnceLock<Result<String, String>> = OnceLock::new();
    CHOSEN
        .get_or_init(|| {
            if !docker_answers() {
                return Err(
                    "no Docker engine answers (`docker info`): install and start one \
                     (Debian: `apt-get install docker.io`)"
                        .to_owned(),
                );
            }
            let chosen = locked("postgres-image", choose_image);
            if let Ok((image, why)) = &chosen {
                eprintln!("limani-kit tests: PostgreSQL image {image} ({why})");
            }
            chosen.map(|(image, _)| image)
        })
        .clone()
}

fn choose_image() -> Result<(String, &'static str), String> {
    let configured = std::env::var("LIMANI_POSTGRES_IMAGE")
        .ok()
        .filter(|i| !i.is_empty());
    if let Some(image) = configured {
        if image_present(&image) {
            return Ok((image, "LIMANI_POSTGRES_IMAGE, present"));
        }
        if image != KIT_IMAGE && pulled(&image) {
            return Ok((image, "LIMANI_POSTGRES_IMAGE, pulled"));
        }
        if image != KIT_IMAGE {
            return Err(format!(
                "LIMANI_POSTGRES_IMAGE={image} is not present and cannot be pulled: unset it to use the kit's own image"
            ));
        }
    } else if image_present(KIT_IMAGE) {
        return Ok((KIT_IMAGE.to_owned(), "the kit's image, built before"));
    } else if image_present(OFFICIAL_IMAGE) {
        return Ok((OFFICIAL_IMAGE.to_owned(), "the official image, present"));
    } else if pulled(OFFICIAL_IMAGE) {
        return Ok((OFFICIAL_IMAGE.to_owned(), "the official image, pulled"));
    }
    build_kit_image().map(|()| (KIT_IMAGE.to_owned(), "the kit's image, built now"))
}

/// `docker pull image`; `false` when no registry gives it (at once on a machine with none).
fn pulled(image: &str) -> bool {
    Command::new("docker")
        .args(["pull", "--quiet", image])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `ci/postgres-image.sh`: a Debian root by debootstrap, PostgreSQL 15 from Debian's packages.
fn build_kit_image() -> Result<(), String> {
    let root = crate::postgres::cluster::is_root();
    let has_debootstrap = Command::new("sh")
        .args(["-c", "command -v debootstrap"])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_debootstrap && !root {
        return Err(format!(
            "the image {KIT_IMAGE} is missing and debootstrap, which builds it, is not installed: \
             run `sudo bash ci/postgres-image.sh` once (it installs debootstrap)"
        ));
    }
    eprintln!(
        "limani-kit tests: building the PostgreSQL image {KIT_IMAGE} from Debian's packages (ci/postgres-image.sh, about a minute)"
    );
    let status = Command::new("bash")
        .arg(checkout().join("ci/postgres-image.sh"))
        .env("LIMANI_POSTGRES_IMAGE", KIT_IMAGE)
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::io::stderr()))
        .stderr(Stdio::inherit())
        .status()
        .map_err(|e| format!("bash ci/postgres-image.sh: {e}"))?;
    match status.success() && image_present(KIT_IMAGE) {
        true => Ok(()),
        false => Err(format!(
            "ci/postgres-image.sh could not build {KIT_IMAGE} ({status}): its output above says why"
        )),
    }
}
