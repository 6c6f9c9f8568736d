//! `limani checks`: every check of the contract, as text, Markdown or JSON.

pub fn list_checks(markdown: bool, json: bool) -> String {
    let checks = conformance::suite::all_checks();
    if json {
        let list: Vec<serde_json::Value> = (checks.iter())
            .map(|c| {
                serde_json::json!({
                    "id": c.id, "group": c.group, "level": c.level,
                    "clause": c.clause, "why": c.why(),
                    "cookbook": conformance::suite::cookbook::link(c.id),
                })
            })
            .collect();
        return serde_json::to_string_pretty(&list).expect("a list serializes") + "\n";
    }
    let mut out = String::new();
    if markdown {
        out.push_str(
            "| check | level | clause | why (required: the Logbook behaviour it protects) |\n",
        );
        out.push_str("|---|---|---|---|\n");
    }
    for c in checks {
        let level = format!("{:?}", c.level).to_lowercase();
        match markdown {
            true => out.push_str(&format!(
                "| `{}` | {level} | {} | {} |\n",
                c.id,
                c.clause.replace('|', "\\|"),
                c.why().replace('|', "\\|")
            )),
            false => out.push_str(&format!("{:<54} {:<12} {}\n", c.id, level, c.clause)),
        }
    }
    out
}
