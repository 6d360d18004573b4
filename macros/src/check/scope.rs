//! Name resolution as far as a macro can see: the paths the user wrote, read through the `use`
//! items of the function's body and of its nested blocks (a `use` counts from its block on, until
//! the block ends). The module's own `use` items are not part of the macro's input: a path whose
//! first segment is not imported in the body stays as written, and the checks match on its last
//! segments where those are unambiguous.

use syn::UseTree;

/// The imports in scope, innermost last.
#[derive(Default)]
pub struct Uses {
    /// `name` → the path it stands for (`sleep` → `std::thread::sleep`).
    names: Vec<(String, Vec<String>)>,
    /// `use a::b::*;`: the prefixes a bare name may come from.
    globs: Vec<Vec<String>>,
    /// The lengths of `names` and `globs` at the start of each open block.
    marks: Vec<(usize, usize)>,
}

impl Uses {
    pub fn enter(&mut self) {
        self.marks.push((self.names.len(), self.globs.len()));
    }

    pub fn leave(&mut self) {
        if let Some((names, globs)) = self.marks.pop() {
            self.names.truncate(names);
            self.globs.truncate(globs);
        }
    }

    /// Records a `use` item of the current block.
    pub fn add(&mut self, item: &syn::ItemUse) {
        let mut prefix = Vec::new();
        self.tree(&item.tree, &mut prefix);
    }

    fn tree(&mut self, tree: &UseTree, prefix: &mut Vec<String>) {
        match tree {
            UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.tree(&path.tree, prefix);
                prefix.pop();
            }
            UseTree::Name(name) => {
                let ident = name.ident.to_string();
                if ident == "self" {
                    if let Some(last) = prefix.last() {
                        self.names.push((last.clone(), prefix.clone()));
                    }
                } else {
                    let mut full = prefix.clone();
                    full.push(ident.clone());
                    self.names.push((ident, full));
                }
            }
            UseTree::Rename(rename) => {
                let mut full = prefix.clone();
                if rename.ident != "self" {
                    full.push(rename.ident.to_string());
                }
                self.names.push((rename.rename.to_string(), full));
            }
            UseTree::Glob(_) => self.globs.push(prefix.clone()),
            UseTree::Group(group) => {
                for tree in &group.items {
                    self.tree(tree, prefix);
                }
            }
        }
    }

    /// The segments of `path` with its first one read through the imports in scope; a bare name
    /// that no `use` names is looked up in the glob imports of a known module.
    pub fn resolve(&self, path: &syn::Path) -> Resolved {
        let mut segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let Some(first) = segments.first().cloned() else {
            return Resolved {
                segments,
                imported: false,
            };
        };
        if path.leading_colon.is_none()
            && let Some((_, full)) = self.names.iter().rev().find(|(name, _)| *name == first)
        {
            let mut resolved = full.clone();
            resolved.extend(segments.drain(1..));
            return Resolved {
                segments: resolved,
                imported: true,
            };
        }
        if segments.len() == 1
            && let Some(prefix) = self.globs.iter().rev().find(|prefix| {
                matches!(
                    prefix
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                        .as_slice(),
                    ["std", "thread"] | ["std", "fs"] | ["std", "sync", "mpsc"] | ["std", "net"]
                )
            })
        {
            let mut resolved = prefix.clone();
            resolved.append(&mut segments);
            return Resolved {
                segments: resolved,
                imported: true,
            };
        }
        if segments.first().is_some_and(|s| s == "core") {
            segments[0] = "std".to_owned();
        }
        Resolved {
            segments,
            imported: false,
        }
    }
}

/// A path after the imports of the body: its segments, and whether a `use` of the body gave them
/// (the path is then known in full).
pub struct Resolved {
    pub segments: Vec<String>,
    pub imported: bool,
}

impl Resolved {
    pub fn starts_with(&self, prefix: &[&str]) -> bool {
        self.segments.len() >= prefix.len() && self.segments.iter().zip(prefix).all(|(s, p)| s == p)
    }

    pub fn ends_with(&self, suffix: &[&str]) -> bool {
        self.segments.len() >= suffix.len()
            && self.segments[self.segments.len() - suffix.len()..]
                .iter()
                .zip(suffix)
                .all(|(s, p)| s == p)
    }

    pub fn last(&self) -> &str {
        self.segments.last().map_or("", String::as_str)
    }

    pub fn first(&self) -> &str {
        self.segments.first().map_or("", String::as_str)
    }

    /// Whether the path names its crate (`std::..`, `tokio::..`), so that it is known in full.
    pub fn rooted(&self) -> bool {
        self.imported
            || matches!(
                self.first(),
                "std" | "tokio" | "flume" | "crossbeam" | "crossbeam_channel" | "futures"
            )
    }

    pub fn joined(&self) -> String {
        self.segments.join("::")
    }
}

#[cfg(test)]
mod tests {
    use super::Uses;

    fn uses(items: &[syn::ItemUse]) -> Uses {
        let mut uses = Uses::default();
        uses.enter();
        for item in items {
            uses.add(item);
        }
        uses
    }

    #[test]
    fn imports_rename_group_and_glob_are_followed() {
        let uses = uses(&[
            syn::parse_quote!(
                use std::thread::sleep as nap;
            ),
            syn::parse_quote!(
                use std::{fs, sync::mpsc};
            ),
            syn::parse_quote!(
                use std::net::{self as n};
            ),
            syn::parse_quote!(
                use std::thread::*;
            ),
        ]);
        let resolve = |p: syn::Path| uses.resolve(&p).joined();
        assert_eq!(resolve(syn::parse_quote!(nap)), "std::thread::sleep");
        assert_eq!(resolve(syn::parse_quote!(fs::read)), "std::fs::read");
        assert_eq!(
            resolve(syn::parse_quote!(mpsc::channel)),
            "std::sync::mpsc::channel"
        );
        assert_eq!(
            resolve(syn::parse_quote!(n::TcpStream::connect)),
            "std::net::TcpStream::connect"
        );
        assert_eq!(resolve(syn::parse_quote!(sleep)), "std::thread::sleep");
        assert_eq!(resolve(syn::parse_quote!(other::f)), "other::f");
        assert_eq!(resolve(syn::parse_quote!(::fs::read)), "fs::read");
    }

    #[test]
    fn a_block_s_imports_end_with_it() {
        let mut uses = uses(&[]);
        uses.enter();
        uses.add(&syn::parse_quote!(
            use std::thread::sleep;
        ));
        assert!(uses.resolve(&syn::parse_quote!(sleep)).imported);
        uses.leave();
        assert!(!uses.resolve(&syn::parse_quote!(sleep)).imported);
    }
}
