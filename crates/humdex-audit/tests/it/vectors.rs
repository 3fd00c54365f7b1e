use std::collections::HashMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use humdex_audit::{
    Frontier, Hash, consistency_proof, inclusion_proof, leaf_hash, root_at, verify_consistency,
    verify_inclusion,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Inclusion {
    leaf_idx: u64,
    tree_size: u64,
    root: String,
    leaf_hash: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Consistency {
    size1: u64,
    size2: u64,
    root1: String,
    root2: String,
    proof: Option<Vec<String>>,
    desc: String,
    want_err: bool,
}

/// The leaves of the RFC 6962 reference tree, over which the vectors' happy paths are drawn.
const REFERENCE_LEAVES: [&[u8]; 8] = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
];

fn vector_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/merkle/testdata")
        .join(kind)
}

/// Every JSON file under `dir`, with its contents, in a stable order.
#[expect(
    clippy::disallowed_methods,
    reason = "the vectors are files of this crate's tests/data folder"
)]
fn json_files(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for item in std::fs::read_dir(&dir).unwrap() {
            let path = item.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "json") {
                let text = std::fs::read_to_string(&path).unwrap();
                files.push((path, text));
            }
        }
    }
    files.sort();
    files
}

/// A leaf hash or proof hash, or `None` when it is not 32 bytes: such a vector cannot even be
/// put to the verifier, whose inputs are typed, and is refused where it is decoded.
fn strict_hash(text: &str) -> Option<Hash> {
    Hash::try_from(BASE64.decode(text).unwrap()).ok()
}

fn strict_proof(proof: &Option<Vec<String>>) -> Option<Vec<Hash>> {
    proof
        .iter()
        .flatten()
        .map(|text| strict_hash(text))
        .collect()
}

/// A root. A few vectors give roots that are not 32 bytes, only to compare them with each other;
/// they stand in as their SHA-256, which keeps equal roots equal and matches no real root.
fn root(text: &str) -> Hash {
    let bytes = BASE64.decode(text).unwrap();
    Hash::try_from(bytes.as_slice()).unwrap_or_else(|_| Sha256::digest(&bytes).into())
}

#[test]
fn every_inclusion_vector_is_decided_as_expected() {
    let files = json_files(&vector_dir("inclusion"));
    let (mut verified, mut rejected) = (0, 0);
    for (path, text) in &files {
        let case: Inclusion = serde_json::from_str(text).unwrap();
        let name = format!("{} ({})", path.display(), case.desc);
        let (Some(leaf), Some(proof)) = (strict_hash(&case.leaf_hash), strict_proof(&case.proof))
        else {
            assert!(case.want_err, "{name}: a well-formed case did not decode");
            rejected += 1;
            continue;
        };
        let result = verify_inclusion(
            &leaf,
            case.leaf_idx,
            case.tree_size,
            &proof,
            &root(&case.root),
        );
        assert_eq!(result.is_err(), case.want_err, "{name}: {result:?}");
        if case.want_err {
            rejected += 1;
        } else {
            verified += 1;
        }
    }
    assert_eq!(verified + rejected, files.len());
    assert_eq!(verified, 6, "the happy paths and the matching single entry");
    assert!(rejected > 80, "only {rejected} tampered cases were read");
}

#[test]
fn every_consistency_vector_is_decided_as_expected() {
    let files = json_files(&vector_dir("consistency"));
    let (mut verified, mut rejected) = (0, 0);
    for (path, text) in &files {
        let case: Consistency = serde_json::from_str(text).unwrap();
        let name = format!("{} ({})", path.display(), case.desc);
        let Some(proof) = strict_proof(&case.proof) else {
            assert!(case.want_err, "{name}: a well-formed case did not decode");
            rejected += 1;
            continue;
        };
        let result = verify_consistency(
            case.size1,
            case.size2,
            &proof,
            &root(&case.root1),
            &root(&case.root2),
        );
        assert_eq!(result.is_err(), case.want_err, "{name}: {result:?}");
        if case.want_err {
            rejected += 1;
        } else {
            verified += 1;
        }
    }
    assert_eq!(verified + rejected, files.len());
    assert_eq!(verified, 6, "the happy paths and equal sizes of one");
    assert!(rejected > 80, "only {rejected} tampered cases were read");
}

/// The perfect nodes of the reference tree, as the store would keep them.
fn reference_nodes() -> HashMap<humdex_audit::NodeId, Hash> {
    let mut frontier = Frontier::new();
    let mut nodes = HashMap::new();
    for leaf in REFERENCE_LEAVES {
        nodes.extend(frontier.append(leaf_hash(leaf)).unwrap());
    }
    nodes
}

#[test]
fn generated_inclusion_proofs_equal_the_happy_paths() {
    let nodes = reference_nodes();
    let lookup = |id| nodes.get(&id).copied();
    let mut compared = 0;
    for (path, text) in json_files(&vector_dir("inclusion")) {
        if !path.ends_with("happy-path.json") {
            continue;
        }
        let case: Inclusion = serde_json::from_str(&text).unwrap();
        let leaf = REFERENCE_LEAVES[usize::try_from(case.leaf_idx).unwrap()];
        assert_eq!(strict_hash(&case.leaf_hash), Some(leaf_hash(leaf)));
        assert_eq!(root_at(case.tree_size, lookup).unwrap(), root(&case.root));
        let proof = inclusion_proof(case.leaf_idx, case.tree_size, lookup).unwrap();
        assert_eq!(Some(proof), strict_proof(&case.proof), "{}", path.display());
        compared += 1;
    }
    assert_eq!(compared, 5);
}

#[test]
fn generated_consistency_proofs_equal_the_happy_paths() {
    let nodes = reference_nodes();
    let lookup = |id| nodes.get(&id).copied();
    let mut compared = 0;
    for (path, text) in json_files(&vector_dir("consistency")) {
        if !path.ends_with("happy-path.json") {
            continue;
        }
        let case: Consistency = serde_json::from_str(&text).unwrap();
        assert_eq!(root_at(case.size1, lookup).unwrap(), root(&case.root1));
        assert_eq!(root_at(case.size2, lookup).unwrap(), root(&case.root2));
        let proof = consistency_proof(case.size1, case.size2, lookup).unwrap();
        assert_eq!(Some(proof), strict_proof(&case.proof), "{}", path.display());
        compared += 1;
    }
    assert_eq!(compared, 5);
}
