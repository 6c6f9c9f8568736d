//! The Python package is embedded with `include_dir!`: rebuild when any file of it changes.

fn main() {
    println!("cargo:rerun-if-changed=python/limani_bridge");
}
