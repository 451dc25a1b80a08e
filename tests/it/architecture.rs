//! The house rules of docs/ARCHITECTURE.md, checked on the source: the
//! modules form layers (no import cycle), renderers and the model know
//! nothing of how a comparison is made, statistics stand alone, and
//! library code never prints or exits (`[lints]` in Cargo.toml). CI also
//! runs `shared/tools/module-graph` at depth 1 and 2 when it is there.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Each top-level module and the top-level modules it names
/// (`crate::x`, `use crate::{x, ...}`), tests excluded.
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&src) {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let rel = path.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        if module == "lib" || module == "main" {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        let body = text.split("#[cfg(test)]").next().unwrap_or_default();
        let names = graph.entry(module.clone()).or_default();
        for line in body.lines() {
            let code = line.split("//").next().unwrap_or_default();
            for part in code.split("crate::").skip(1) {
                let list = part.strip_prefix('{').unwrap_or(part);
                for item in list.split(',') {
                    let name: String = item
                        .trim()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() && name != module {
                        names.insert(name);
                    }
                    if !part.starts_with('{') {
                        break;
                    }
                }
            }
        }
    }
    // Only edges between modules (not to items of lib.rs).
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for names in graph.values_mut() {
        names.retain(|n| modules.contains(n));
    }
    graph
}

/// A cycle through `start`, if any: the path back to it.
fn cycle_from(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![(start.to_string(), vec![start.to_string()])];
    let mut seen = BTreeSet::new();
    while let Some((at, path)) = stack.pop() {
        for next in graph.get(&at).into_iter().flatten() {
            if next == start {
                return Some(path);
            }
            if seen.insert(next.clone()) {
                let mut p = path.clone();
                p.push(next.clone());
                stack.push((next.clone(), p));
            }
        }
    }
    None
}

#[test]
fn modules_form_layers_without_import_cycles() {
    let graph = imports();
    assert!(graph.len() > 10, "the source was not found: {graph:?}");
    for module in graph.keys() {
        if let Some(cycle) = cycle_from(&graph, module) {
            panic!("import cycle: {} -> {module}", cycle.join(" -> "));
        }
    }
}

#[test]
fn renderers_and_the_model_know_nothing_of_how_tables_are_compared() {
    let graph = imports();
    let forbidden = [
        "lane",
        "run",
        "git",
        "diff",
        "distribution",
        "engine",
        "spark",
        "load",
    ];
    for module in ["report", "model"] {
        let bad: Vec<&String> = graph[module]
            .iter()
            .filter(|n| forbidden.contains(&n.as_str()))
            .collect();
        assert!(bad.is_empty(), "{module} imports {bad:?}");
    }
    // Statistics stand alone: of the crate they import only the loops
    // built for the processor's vectors, which import nothing.
    assert!(
        graph["stats"].iter().all(|m| m == "wide"),
        "stats imports {:?}",
        graph["stats"]
    );
    assert!(graph["wide"].is_empty(), "wide imports {:?}", graph["wide"]);
    assert!(
        graph["error"].is_empty(),
        "error imports {:?}",
        graph["error"]
    );
}

#[test]
fn the_graph_sees_a_cycle_when_there_is_one() {
    // The check above must be able to fail.
    let mut graph = imports();
    graph.get_mut("stats").unwrap().insert("report".into());
    assert!(cycle_from(&graph, "stats").is_some());
}

/// Each crate of a build with the features each of its units gets, as
/// `cargo tree` sees them (`edges`, and more arguments).
fn cargo_tree(edges: &str, more: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let o = std::process::Command::new(env!("CARGO"))
        .args(["tree", "--prefix", "none", "-e", edges])
        .args(["-f", "{p}|{f}"])
        .args(more)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut crates: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for line in String::from_utf8(o.stdout).unwrap().lines() {
        let line = line.trim_end_matches(" (*)");
        if let Some((package, features)) = line.split_once('|') {
            // The crate and version, without its path or "(proc-macro)".
            let name: String = package
                .split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" ");
            crates.entry(name).or_default().insert(features.to_string());
        }
    }
    crates
}

/// `cargo run -- demo` then `cargo test` must build polars once: every
/// crate both builds use gets the same features in both (the README's two
/// commands on a fresh clone; Cargo.toml's note on crc32fast & co).
#[test]
fn the_run_and_the_test_builds_turn_on_the_same_features_in_the_crates_they_share() {
    let tree = |edges: &str| cargo_tree(edges, &["--offline"]);
    let (run, test) = (tree("normal,build"), tree("normal,build,dev"));
    let differ: Vec<String> = run
        .iter()
        .filter(|(name, features)| test.get(*name) != Some(features))
        .map(|(name, features)| format!("{name}: run {features:?}, test {:?}", test.get(name)))
        .collect();
    assert!(
        differ.is_empty(),
        "turn these features on in [dependencies]:\n{}",
        differ.join("\n")
    );
}

/// The default build and `--features spark,duckdb` (CI builds both, and so
/// does anyone who tries the Spark engine) must share one polars: every
/// crate of the default build is built with the same features in the
/// other (which adds crates, and build-only units of some, of its own).
#[test]
fn the_engine_features_build_reuses_the_default_builds_polars() {
    let default = cargo_tree("normal,build", &[]);
    let engines = cargo_tree("normal,build", &["--features", "spark,duckdb"]);
    let differ: Vec<String> = default
        .iter()
        .filter(|(name, _)| !name.starts_with("swimlane "))
        .filter(|(name, sets)| engines.get(*name).is_none_or(|e| !sets.is_subset(e)))
        .map(|(name, sets)| format!("{name}: default {sets:?}, engines {:?}", engines.get(name)))
        .collect();
    assert!(
        differ.is_empty(),
        "turn these features on in [dependencies] (Cargo.toml, beside hyper):\n{}",
        differ.join("\n")
    );
}

/// The binary's allocator options (`src/main.rs`) reach jemalloc: the
/// symbol it reads them from is named after the build's prefix, so a
/// change of crate version or features could leave them silently unread,
/// and every comparison would map and zero its buffers anew (BENCHMARKS.md,
/// "The allocator").
#[test]
fn the_binary_allocates_from_one_jemalloc_arena_that_keeps_what_it_frees() {
    let out = std::process::Command::new(crate::support::BIN)
        .arg("--version")
        .env("_RJEM_MALLOC_CONF", "stats_print:true")
        .output()
        .unwrap();
    assert!(out.status.success());
    let stats = String::from_utf8_lossy(&out.stderr);
    for option in [
        "opt.narenas: 1\n",
        "opt.dirty_decay_ms: -1 ",
        "opt.muzzy_decay_ms: -1 ",
        "opt.oversize_threshold: 0\n",
    ] {
        assert!(
            stats.contains(option),
            "{option:?} not in jemalloc's stats:\n{stats}"
        );
    }
}
