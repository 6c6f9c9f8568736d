//! Why a harbor process did not start, in one line with a hint; the whole diagnosis (the
//! harbor's traceback) only with `-v`.

/// The one-line cause of a failed start, from the kit's diagnosis (which ends with the last
/// lines of the harbor's stderr), then the hint; with `verbose`, the diagnosis whole too.
pub fn explain(diagnosis: &str, verbose: bool) -> String {
    let cause = cause(diagnosis);
    match verbose {
        true => format!("the harbor could not be started: {cause}\n{diagnosis}"),
        false => format!("the harbor could not be started: {cause}\n(-v shows its whole output)"),
    }
}

fn cause(diagnosis: &str) -> String {
    let last = |prefix: &str| {
        (diagnosis.lines().rev())
            .map(str::trim)
            .find_map(|l| l.strip_prefix(prefix).map(str::to_owned))
    };
    if let Some(missing) = last("ModuleNotFoundError: No module named ") {
        let module = missing.trim_matches('\'');
        return format!("cannot import module '{module}': check --python-path or $LIMANI_PYTHON");
    }
    if let Some(attribute) = last("AttributeError: module ") {
        return format!("module {attribute}: check MODULE:CLASS");
    }
    if let Some(error) = last("TypeError: ") {
        return format!("{error}: Ch-aOS builds a harbor as Class(config), with one dict");
    }
    if let Some(name) = last("SystemExit: ").or_else(|| last("limani_bridge: error: ")) {
        return name;
    }
    if let Some(line) = diagnosis
        .lines()
        .find(|l| l.contains(": not found") || l.contains("command not found"))
    {
        return format!("command not found: {}", line.trim());
    }
    if diagnosis.contains("cannot start `") {
        return diagnosis.lines().next().unwrap_or(diagnosis).to_owned();
    }
    // The harbor's own last word, else the kit's first line.
    let stderr = diagnosis.split_once("its stderr:\n").map(|(_, s)| s.trim());
    match stderr.and_then(|s| s.lines().last()) {
        Some(line) if !line.is_empty() => line.trim().to_owned(),
        _ => diagnosis.lines().next().unwrap_or(diagnosis).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::explain;

    #[test]
    fn an_import_error_names_the_module_and_the_fix() {
        let diagnosis = "`python3 -m limani_bridge --plugin nope:X` exited before its handshake\nits stderr:\nTraceback (most recent call last):\n  File \"x\", line 1\nModuleNotFoundError: No module named 'nope'";
        let text = explain(diagnosis, false);
        assert_eq!(
            text.lines().next().unwrap(),
            "the harbor could not be started: cannot import module 'nope': check --python-path or $LIMANI_PYTHON"
        );
        assert!(!text.contains("Traceback"), "{text}");
        assert!(explain(diagnosis, true).contains("Traceback"));
    }
}
