//! A usage error as a person reads it: one line, its tips, where to look.

/// Clap's error as one line (and its tip, if it has one), then where to look.
pub fn error_text(error: &clap::Error, argv: &[String]) -> String {
    let rendered = error.render().to_string();
    let mut lines = rendered
        .lines()
        .filter(|l| l.starts_with("error:") || l.trim_start().starts_with("tip:"));
    let first = lines
        .next()
        .unwrap_or("error: bad arguments")
        .trim_start_matches("error: ");
    let tips: Vec<&str> = lines.map(str::trim).collect();
    let sub = argv.first().filter(|s| {
        [
            "certify", "replay", "export", "import", "serve", "checks", "bench",
        ]
        .contains(&s.as_str())
    });
    let help = match sub {
        Some(sub) => format!("limani {sub} --help"),
        None => "limani --help".to_owned(),
    };
    let mut out = format!("limani: {first}");
    for tip in tips {
        out += &format!("\n  {tip}");
    }
    out + &format!("\nsee `{help}`")
}
