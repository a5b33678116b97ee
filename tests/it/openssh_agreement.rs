//! `charter` accepts exactly the signature files that `ssh-keygen -Y verify`
//! accepts: each form of one real record's `.sig` (armor, base64, wire
//! encoding) is filed by hand in the commit that adds the record, and both
//! tools must give the same verdict. The one deliberate difference, a
//! malleated (non-canonical) scalar, is refused by `charter` only.

use crate::common::*;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_decode(text: &str) -> Vec<u8> {
    let vals: Vec<u32> = text
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .map(|c| ALPHABET.iter().position(|a| *a == c).unwrap() as u32)
        .collect();
    let mut out = Vec::new();
    for chunk in vals.chunks(4) {
        let acc = chunk.iter().fold(0u32, |a, v| (a << 6) | v) << (6 * (4 - chunk.len()));
        out.extend_from_slice(&acc.to_be_bytes()[1..chunk.len()]);
    }
    out
}

fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let mut b = [0u8; 3];
        b[..chunk.len()].copy_from_slice(chunk);
        let acc = u32::from_be_bytes([0, b[0], b[1], b[2]]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((acc >> (18 - 6 * i)) & 63) as usize] as char);
        }
        out.push_str(&"=".repeat(3 - chunk.len()));
    }
    out
}

fn armor(blob: &[u8]) -> String {
    let b64 = b64_encode(blob);
    let lines: Vec<&str> = b64
        .as_bytes()
        .chunks(70)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----\n",
        lines.join("\n")
    )
}

fn body(armored: &str) -> String {
    armored
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The SSH wire strings of a blob after its 6-byte magic and 4-byte version.
fn fields(blob: &[u8]) -> Vec<Vec<u8>> {
    let mut rest = &blob[10..];
    let mut out = Vec::new();
    while rest.len() >= 4 {
        let n = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
        out.push(rest[4..4 + n].to_vec());
        rest = &rest[4 + n..];
    }
    out
}

fn string(bytes: &[u8]) -> Vec<u8> {
    [&(bytes.len() as u32).to_be_bytes()[..], bytes].concat()
}

fn blob_of(version: u32, f: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"SSHSIG".to_vec();
    out.extend_from_slice(&version.to_be_bytes());
    for field in f {
        out.extend(string(field));
    }
    out
}

/// S + L, the other encoding of the same scalar that OpenSSH's ed25519
/// code accepts and a strict verifier refuses.
fn malleate(sig_field: &[u8]) -> Vec<u8> {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let inner = fields_of_pair(sig_field);
    let mut sig = inner[1].clone();
    let mut carry = 0u16;
    for i in 0..32 {
        let v = sig[32 + i] as u16 + L[i] as u16 + carry;
        sig[32 + i] = v as u8;
        carry = v >> 8;
    }
    [string(&inner[0]), string(&sig)].concat()
}

fn fields_of_pair(pair: &[u8]) -> Vec<Vec<u8>> {
    let mut with_header = b"SSHSIG\0\0\0\x01".to_vec();
    with_header.extend_from_slice(pair);
    fields(&with_header)
}

struct Case {
    what: &'static str,
    sig: Vec<u8>,
}

fn cases(good: &str) -> Vec<Case> {
    let blob = b64_decode(&body(good));
    let f = fields(&blob);
    let rewrap = |width: usize| {
        let b64 = b64_encode(&blob);
        let lines: Vec<String> = b64
            .as_bytes()
            .chunks(width)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        format!(
            "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----\n",
            lines.join("\n")
        )
    };
    let with = |i: usize, v: Vec<u8>| {
        let mut g = f.clone();
        g[i] = v;
        armor(&blob_of(1, &g))
    };
    let b = |s: String| s.into_bytes();
    vec![
        Case {
            what: "as signed",
            sig: b(good.to_string()),
        },
        Case {
            what: "text before the armor",
            sig: b(format!("see below\n{good}")),
        },
        Case {
            what: "a blank line before the armor",
            sig: b(format!("\n{good}")),
        },
        Case {
            what: "text after the armor",
            sig: b(format!("{good}trailing words\n")),
        },
        Case {
            what: "bytes that are not UTF-8 after the armor",
            sig: [good.as_bytes(), &b"\xff\xfe\n"[..]].concat(),
        },
        Case {
            what: "no newline at the end",
            sig: b(good.trim_end().to_string()),
        },
        Case {
            what: "CRLF line endings",
            sig: b(good.replace('\n', "\r\n")),
        },
        Case {
            what: "base64 wrapped at 20 columns",
            sig: b(rewrap(20)),
        },
        Case {
            what: "base64 on one line",
            sig: b(rewrap(10_000)),
        },
        Case {
            what: "spaces and tabs inside the base64",
            sig: b(format!(
                "-----BEGIN SSH SIGNATURE-----\n{}\n-----END SSH SIGNATURE-----\n",
                body(good).replace('\n', " \n\t ")
            )),
        },
        Case {
            what: "padding removed",
            sig: b(good
                .replace("=\n-----END", "\n-----END")
                .replace("=\n-----END", "\n-----END")),
        },
        Case {
            what: "no footer",
            sig: b(good.replace("-----END SSH SIGNATURE-----", "")),
        },
        Case {
            what: "two signatures, the first valid",
            sig: b(format!("{good}{good}")),
        },
        Case {
            what: "empty",
            sig: Vec::new(),
        },
        Case {
            what: "version 0",
            sig: b(armor(&blob_of(0, &f))),
        },
        Case {
            what: "version 2",
            sig: b(armor(&blob_of(2, &f))),
        },
        Case {
            what: "trailing data after the blob",
            sig: b(armor(&[blob.clone(), vec![0, 0, 0, 0]].concat())),
        },
        Case {
            what: "trailing data inside the public key",
            sig: b(with(0, [f[0].clone(), vec![0, 0, 0, 0]].concat())),
        },
        Case {
            what: "trailing data inside the signature",
            sig: b(with(4, [f[4].clone(), vec![0, 0, 0, 0]].concat())),
        },
        Case {
            what: "a reserved field that is not empty",
            sig: b(with(2, b"x".to_vec())),
        },
        Case {
            what: "hash sha256 over a sha512 signature",
            sig: b(with(3, b"sha256".to_vec())),
        },
        Case {
            what: "namespace git",
            sig: b(with(1, b"git".to_vec())),
        },
    ]
}

/// A group where uk proposed an amendment and ee's second is to be filed by
/// hand; returns it with the proposal id and the commit to file on.
fn group() -> (Group, String, String) {
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let base = g.head();
    (g, id, base)
}

/// Files ee's second with `sig` as its signature, in the commit that adds
/// it; returns (charter's verdict, OpenSSH's verdict).
fn verdicts(g: &Group, id: &str, base: &str, msg: &str, sig: &[u8]) -> (bool, bool) {
    g.git_out(&["reset", "-q", "--hard", base]);
    let dir = format!("{}/signatures", proposal_dir(id));
    g.write(&format!("{dir}/ee.second.msg"), msg);
    std::fs::write(g.repo.join(format!("{dir}/ee.second.sig")), sig).unwrap();
    g.git_commit_all("ee seconds, by hand");
    let charter = g.read().args(["verify", "--full"]).output().unwrap();
    assert_ne!(charter.status.code(), Some(2), "{}", stderr(&charter));
    if !charter.status.success() {
        let err = stderr(&charter);
        assert!(
            err.contains(&format!("{dir}/ee.second.sig")) && err.contains("[signature]"),
            "a refused signature is named with its rule: {err}"
        );
    }
    let date = msg.lines().find_map(|l| l.strip_prefix("date ")).unwrap();
    let when = date.replace(['-', ':', 'T'], "");
    (
        charter.status.success(),
        g.ssh_verifies_at("ee", &format!("{dir}/ee.second.msg"), &when),
    )
}

#[test]
fn charter_accepts_exactly_the_signature_files_openssh_accepts() {
    let (g, id, base) = group();
    let msg = g.message(&id, "second", "ee", NOW);
    let good = g.ssh_sign("ee", &msg);
    let mut accepted = Vec::new();
    for case in cases(&good) {
        let (charter, openssh) = verdicts(&g, &id, &base, &msg, &case.sig);
        assert_eq!(
            charter,
            openssh,
            "{}: charter {} but ssh-keygen {}",
            case.what,
            if charter { "accepts" } else { "refuses" },
            if openssh { "accepts" } else { "refuses" },
        );
        if charter {
            accepted.push(case.what);
        }
    }
    // Both outcomes occur: the comparison is not vacuous.
    assert!(accepted.contains(&"as signed"));
    assert!(accepted.contains(&"text after the armor"));
    assert!(!accepted.contains(&"text before the armor"));
}

#[test]
fn a_malleated_signature_is_refused_though_openssh_accepts_it() {
    let (g, id, base) = group();
    let msg = g.message(&id, "second", "ee", NOW);
    let good = g.ssh_sign("ee", &msg);
    let blob = b64_decode(&body(&good));
    let mut f = fields(&blob);
    f[4] = malleate(&f[4]);
    let (charter, openssh) = verdicts(&g, &id, &base, &msg, armor(&blob_of(1, &f)).as_bytes());
    // Anyone can re-encode a signature so: `charter` verifies strictly, so
    // that no batch or encoding trick can count a record twice.
    assert!(openssh, "OpenSSH's ed25519 code accepts S + L");
    assert!(!charter, "charter verifies strictly");
}
