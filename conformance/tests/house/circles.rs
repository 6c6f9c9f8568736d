//! Import circles between the files of a crate: a file points at the file that defines a name
//! it takes (`use crate::..`, `super::..`, `self::..`, a child module), a re-export followed to
//! the file behind it; files that reach each other form a circle. A text reading, as a reviewer
//! would do it: a macro or a glob can hide an arrow.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One crate's files: module path to its code (comments and unit tests cut).
pub struct Crate {
    files: BTreeMap<Vec<String>, (PathBuf, String)>,
}

/// A path a file imports, and whether it re-exports it (`pub use`).
struct Import {
    path: Vec<String>,
    public: bool,
}

impl Crate {
    /// Reads every `.rs` file under `src`.
    pub fn read(src: &Path) -> Crate {
        let mut files = BTreeMap::new();
        let mut folders = vec![src.to_owned()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(&folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    files.insert(module_of(src, &path), (path, code_of(&text)));
                }
            }
        }
        Crate { files }
    }

    /// Every circle, as the files in it.
    pub fn circles(&self) -> Vec<Vec<PathBuf>> {
        let modules: Vec<&Vec<String>> = self.files.keys().collect();
        let index = |m: &Vec<String>| modules.iter().position(|k| *k == m);
        let mut edges = vec![BTreeSet::new(); modules.len()];
        for (from, module) in modules.iter().enumerate() {
            for import in self.imports(module) {
                let Some(path) = self.absolute(module, &import.path) else {
                    continue;
                };
                if let Some(to) = self.resolve(&path, 0).and_then(|m| index(&m)) {
                    if to != from {
                        edges[from].insert(to);
                    }
                }
            }
        }
        let files = |group: Vec<usize>| group.into_iter().map(|i| self.files[modules[i]].0.clone());
        strongly_connected(&edges)
            .into_iter()
            .filter(|group| group.len() > 1)
            .map(|group| files(group).collect())
            .collect()
    }

    fn imports(&self, module: &[String]) -> Vec<Import> {
        let code = &self.files[module].1;
        let mut out = Vec::new();
        let mut rest = code.as_str();
        while let Some(at) = find_word(rest, "use") {
            let before = rest[..at].trim_end();
            let public =
                before.ends_with("pub") || before.ends_with(')') && before.contains("pub(");
            let Some(end) = rest[at..].find(';') else {
                break;
            };
            for path in expand(&rest[at + 3..at + end]) {
                out.push(Import { path, public });
            }
            rest = &rest[at + end..];
        }
        for head in ["crate::", "super::", "self::"] {
            let mut rest = code.as_str();
            while let Some(at) = rest.find(head) {
                let tail = &rest[at..];
                let len = tail
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .unwrap_or(tail.len());
                let path: Vec<String> = (tail[..len].split("::"))
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect();
                if path.len() > 1 {
                    out.push(Import {
                        path,
                        public: false,
                    });
                }
                rest = &rest[at + head.len()..];
            }
        }
        out
    }

    /// The crate-absolute module path of an import of `module`, None for another crate's.
    fn absolute(&self, module: &[String], path: &[String]) -> Option<Vec<String>> {
        let (head, rest) = path.split_first()?;
        let join = |base: &[String], rest: &[String]| [base, rest].concat();
        match head.as_str() {
            "crate" => Some(rest.to_vec()),
            "super" => Some(join(module.split_last()?.1, rest)),
            "self" => Some(join(module, rest)),
            _ if self
                .files
                .contains_key(&join(module, std::slice::from_ref(head))) =>
            {
                Some(join(module, path))
            }
            _ => None,
        }
    }

    /// The module of the file that defines the name `path` ends with, re-exports followed;
    /// None for a name another crate defines.
    fn resolve(&self, path: &[String], depth: usize) -> Option<Vec<String>> {
        let known = (0..=path.len())
            .rev()
            .find(|&n| self.files.contains_key(&path[..n]))?;
        let module = path[..known].to_vec();
        let Some(name) = path.get(known) else {
            return Some(module);
        };
        if depth >= 8 || self.defines(&module, name) {
            return Some(module);
        }
        let exports: Vec<Import> = (self.imports(&module).into_iter())
            .filter(|i| i.public && i.path.len() > 1)
            .collect();
        let named = exports.iter().filter(|i| i.path.last() == Some(name));
        let globbed = exports
            .iter()
            .filter(|i| i.path.last().is_some_and(|l| l == "*"));
        for import in named.chain(globbed) {
            let Some(target) = self.absolute(&module, &import.path) else {
                if import.path.last() == Some(name) {
                    return None; // another crate's name, passed on
                }
                continue;
            };
            let target = match target.last().map(String::as_str) {
                Some("*") => [&target[..target.len() - 1], std::slice::from_ref(name)].concat(),
                _ => target,
            };
            if let Some(found) = self.resolve(&target, depth + 1) {
                return Some(found);
            }
        }
        // A name only a glob of another crate's can give (`pub use other::*`) is that crate's.
        let globs_outside = (exports.iter()).any(|i| {
            i.path.last().is_some_and(|l| l == "*") && self.absolute(&module, &i.path).is_none()
        });
        match globs_outside {
            true => None,
            false => Some(module),
        }
    }

    /// Whether the file of `module` defines `name` itself.
    fn defines(&self, module: &[String], name: &str) -> bool {
        let code = &self.files[module].1;
        let kinds = [
            "fn", "struct", "enum", "trait", "type", "const", "static", "union", "mod",
        ];
        let defined = kinds.iter().any(|kind| {
            let mut rest = code.as_str();
            while let Some(at) = find_word(rest, kind) {
                let after = rest[at + kind.len()..].trim_start();
                let word: String = (after.chars())
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if word == name {
                    return true;
                }
                rest = &rest[at + kind.len()..];
            }
            false
        });
        defined || code.contains(&format!("macro_rules! {name}"))
    }
}

/// The module path of a file: `src/a/b.rs` and `src/a/b/mod.rs` are `[a, b]`, `lib.rs` is `[]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = (relative.components())
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// A file's code: line comments out, and the unit tests at its end (`#[cfg(test)]`).
fn code_of(text: &str) -> String {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    let lines = code
        .lines()
        .map(|l| l.split("//").next().unwrap_or_default());
    lines.collect::<Vec<_>>().join("\n")
}

/// Where `word` starts as a whole word in `text`.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut from = 0;
    while let Some(at) = text[from..].find(word).map(|i| i + from) {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        if !before.is_some_and(is_ident) && !after.is_some_and(is_ident) {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// The paths of a `use` tree: `a::{b, c::{d as e}}` is `a::b` and `a::c::d`.
fn expand(tree: &str) -> Vec<Vec<String>> {
    // `x as y`: the name imported is x; the rest of the word after y (`}`, `,`) stays.
    let mut words: Vec<&str> = tree.split_whitespace().collect();
    while let Some(at) = words.iter().position(|w| *w == "as") {
        let next = words.get(at + 1).copied().unwrap_or_default();
        let rest = next.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_');
        words.splice(at..(at + 2).min(words.len()), [rest]);
    }
    let tree: String = words.concat();
    let mut out = Vec::new();
    expand_into(&[], &tree, &mut out);
    out
}

fn expand_into(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
    let segments = |text: &str| -> Vec<String> {
        let parts = text.split("::").filter(|s| !s.is_empty() && *s != "self");
        [prefix, &parts.map(str::to_owned).collect::<Vec<_>>()].concat()
    };
    let Some(open) = tree.find('{') else {
        return out.push(segments(tree));
    };
    let base = segments(&tree[..open]);
    let (mut depth, mut start) = (0, open + 1);
    for (i, c) in tree.char_indices().skip(open + 1) {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                expand_into(&base, &tree[start..i], out);
                return;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand_into(&base, &tree[start..i], out);
                start = i + 1;
            }
            _ => {}
        }
    }
}

/// Tarjan's strongly connected components of a graph given as edge lists.
fn strongly_connected(edges: &[BTreeSet<usize>]) -> Vec<Vec<usize>> {
    struct State<'a> {
        edges: &'a [BTreeSet<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        groups: Vec<Vec<usize>>,
    }
    fn visit(s: &mut State, v: usize) {
        s.index[v] = Some(s.next);
        s.low[v] = s.next;
        s.next += 1;
        s.stack.push(v);
        s.on_stack[v] = true;
        for &w in s.edges[v].iter() {
            match s.index[w] {
                None => {
                    visit(s, w);
                    s.low[v] = s.low[v].min(s.low[w]);
                }
                Some(i) if s.on_stack[w] => s.low[v] = s.low[v].min(i),
                Some(_) => {}
            }
        }
        if Some(s.low[v]) == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack[w] = false;
                group.push(w);
                if w == v {
                    break;
                }
            }
            s.groups.push(group);
        }
    }
    let n = edges.len();
    let mut state = State {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        next: 0,
        groups: Vec::new(),
    };
    for v in 0..n {
        if state.index[v].is_none() {
            visit(&mut state, v);
        }
    }
    state.groups
}
