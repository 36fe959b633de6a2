//! Generates a client for every fixture spec under `fixtures/` into
//! `$OUT_DIR/<name>.rs`, with the same generator code `cargo xtask
//! regenerate` uses, so `tests/fixture_behaviour.rs` can compile and exercise
//! the code each quirk produces.

use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let fixtures = manifest.join("fixtures");
    println!("cargo::rerun-if-changed={}", fixtures.display());
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&fixtures)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    entries.sort();
    for path in entries {
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .ok_or("fixture name is not UTF-8")?
            .to_owned();
        let display = format!("tests/fixtures/{stem}.yaml");
        let spec = xtask::load_spec(&path, &display)?;
        let code = xtask::generate(&xtask::targets::FIXTURE, &spec)?;
        std::fs::write(out_dir.join(format!("{stem}.rs")), code)?;
    }
    Ok(())
}
