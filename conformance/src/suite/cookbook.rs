//! Where the cookbook for Python harbor authors (`docs/python-harbors.md`) explains a check:
//! failure messages for Python harbors link there (`limani checks --json`, the pytest plugin,
//! `limani certify` on a Python target).

/// The cookbook, from the kit's root.
pub const COOKBOOK: &str = "docs/python-harbors.md";

/// The cookbook's section (its heading's anchor) that explains what the check `id` wants.
pub fn section(id: &str) -> &'static str {
    let (group, name) = id.split_once("::").unwrap_or((id, ""));
    match (group, name) {
        ("lifecycle", "connect_answers_the_logbooks_status_query") => {
            "connect-and-the-status-query"
        }
        (_, n) if n.ends_with("_rejected") || n == "writes_to_unknown_run_rejected" => "errors",
        ("lifecycle", _) | ("fixtures", _) => "the-methods-and-how-they-are-called",
        ("hosts", _) | ("concurrency", _) | ("durability", _) => "ids-threads-durability",
        ("records", _) | ("timespan", _) | ("summary", _) | ("run_data", _) | ("fidelity", _) => {
            "what-the-reads-return"
        }
        _ => "when-a-check-fails",
    }
}

/// The link a failure message gives: `docs/python-harbors.md#what-the-reads-return`.
pub fn link(id: &str) -> String {
    format!("{COOKBOOK}#{}", section(id))
}

#[cfg(test)]
mod tests {
    /// Every check links to a heading the cookbook has (GitHub's anchors: lower case, spaces
    /// as `-`, punctuation dropped).
    #[test]
    fn every_link_names_a_heading_of_the_cookbook() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/python-harbors.md");
        let text = std::fs::read_to_string(path).unwrap();
        let anchors: Vec<String> = (text.lines())
            .filter_map(|l| l.strip_prefix("## "))
            .map(|h| {
                let lower = h.to_lowercase();
                let kept = lower
                    .chars()
                    .filter(|c| c.is_alphanumeric() || " -_".contains(*c));
                kept.collect::<String>().replace(' ', "-")
            })
            .collect();
        for check in crate::suite::all_checks() {
            let section = super::section(check.id);
            assert!(
                anchors.iter().any(|a| a == section),
                "{}: #{section} is not in {anchors:?}",
                check.id
            );
        }
    }
}
