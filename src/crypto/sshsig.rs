//! Reading an armored SSHSIG signature exactly as OpenSSH does
//! (`sshsig.c`: `sshsig_dearmor`, `sshsig_wrap_verify`), so that `charter`
//! accepts the same signature files as `ssh-keygen -Y verify`: the armor
//! starts the file, text after the footer is ignored, white space inside the
//! base64 is skipped, every length is exact and nothing trails.

use crate::crypto::key::SignatureError;

const BEGIN: &[u8] = b"-----BEGIN SSH SIGNATURE-----\n";
const END: &[u8] = b"\n-----END SSH SIGNATURE-----";
const MAGIC: &[u8] = b"SSHSIG";
const ED25519: &[u8] = b"ssh-ed25519";
/// A FIDO security key's ed25519 (OpenSSH's `ssh-ed25519-sk.c`).
const SK_ED25519: &[u8] = b"sk-ssh-ed25519@openssh.com";

/// The fields of an ed25519 SSHSIG that verification needs.
#[derive(Debug, PartialEq, Eq)]
pub struct Sshsig {
    pub public_key: [u8; 32],
    /// A security key's application (`ssh:` by default), which its key
    /// blob carries.
    pub application: Option<Vec<u8>>,
    pub namespace: Vec<u8>,
    /// `sha256` or `sha512`.
    pub hash_alg: ssh_key::HashAlg,
    pub signature: [u8; 64],
    /// A security key's signature also carries the authenticator's flags
    /// (user presence is bit 0) and its counter.
    pub sk: Option<SkFields>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkFields {
    pub flags: u8,
    pub counter: u32,
}

/// Parses an armored signature file.
pub fn parse(armored: &[u8]) -> Result<Sshsig, SignatureError> {
    parse_blob(&dearmor(armored)?)
}

/// The base64 between the header, which must open the file, and the first
/// footer; what follows the footer is ignored, as OpenSSH does.
fn dearmor(armored: &[u8]) -> Result<Vec<u8>, SignatureError> {
    let body = armored
        .strip_prefix(BEGIN)
        .ok_or(SignatureError::Malformed)?;
    let end = body
        .windows(END.len())
        .position(|w| w == END)
        .ok_or(SignatureError::Malformed)?;
    base64_pton(&body[..end]).ok_or(SignatureError::Malformed)
}

/// OpenSSH's base64 decoder (`b64_pton`): white space anywhere is skipped;
/// padding is required to complete the last group, nothing but white space
/// may follow it, and the bits it drops must be zero.
fn base64_pton(text: &[u8]) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    // C's isspace in the C locale.
    let space = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut n) = (0u32, 0usize);
    let mut chars = text.iter().filter(|c| !space(c));
    for &c in chars.by_ref() {
        if c == b'=' {
            // One '=' after three characters, two after two.
            let needed = match n {
                2 => 1,
                3 => 0,
                _ => return None,
            };
            for _ in 0..needed {
                if chars.next() != Some(&b'=') {
                    return None;
                }
            }
            if chars.next().is_some() {
                return None;
            }
            let bits = 6 * n;
            let bytes = bits / 8;
            if acc & ((1 << (bits - 8 * bytes)) - 1) != 0 {
                return None;
            }
            let acc = acc >> (bits - 8 * bytes);
            for i in (0..bytes).rev() {
                out.push((acc >> (8 * i)) as u8);
            }
            return Some(out);
        }
        acc = (acc << 6) | value(c)?;
        n += 1;
        if n == 4 {
            out.extend_from_slice(&acc.to_be_bytes()[1..]);
            (acc, n) = (0, 0);
        }
    }
    (n == 0).then_some(out)
}

/// SSH wire strings, read with exact lengths.
struct Wire<'a>(&'a [u8]);

impl<'a> Wire<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SignatureError> {
        if self.0.len() < n {
            return Err(SignatureError::Malformed);
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> Result<u32, SignatureError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Result<&'a [u8], SignatureError> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    /// A string that must not hold a NUL (OpenSSH's `get_cstring`).
    fn cstring(&mut self) -> Result<&'a [u8], SignatureError> {
        let s = self.string()?;
        if s.contains(&0) {
            return Err(SignatureError::Malformed);
        }
        Ok(s)
    }

    fn end(&self) -> Result<(), SignatureError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(SignatureError::Malformed)
        }
    }
}

/// A public key blob: `string "ssh-ed25519", string key`, or a security
/// key's `string "sk-ssh-ed25519@openssh.com", string key, string
/// application`.
fn key_blob(blob: &[u8]) -> Result<([u8; 32], Option<Vec<u8>>), SignatureError> {
    let mut w = Wire(blob);
    let kind = w.cstring()?;
    let key = w.string()?;
    let application = match kind {
        ED25519 => None,
        SK_ED25519 => Some(w.cstring()?.to_vec()),
        _ => return Err(SignatureError::Algorithm),
    };
    w.end()?;
    let key = key.try_into().map_err(|_| SignatureError::Malformed)?;
    Ok((key, application))
}

/// A signature blob of the key's kind: `string type, string signature`,
/// then a security key's `byte flags, uint32 counter`.
fn signature_blob(
    blob: &[u8],
    security_key: bool,
) -> Result<([u8; 64], Option<SkFields>), SignatureError> {
    let mut w = Wire(blob);
    let expected = if security_key { SK_ED25519 } else { ED25519 };
    if w.cstring()? != expected {
        return Err(SignatureError::Algorithm);
    }
    let signature = w
        .string()?
        .try_into()
        .map_err(|_| SignatureError::Malformed)?;
    let sk = if security_key {
        let flags = w.take(1)?[0];
        let counter = w.u32()?;
        Some(SkFields { flags, counter })
    } else {
        None
    };
    w.end()?;
    Ok((signature, sk))
}

fn parse_blob(blob: &[u8]) -> Result<Sshsig, SignatureError> {
    let mut w = Wire(blob);
    if w.take(MAGIC.len())? != MAGIC || w.u32()? > 1 {
        return Err(SignatureError::Malformed);
    }
    let (public_key, application) = key_blob(w.string()?)?;
    let namespace = w.cstring()?.to_vec();
    w.string()?; // reserved
    let hash_alg = match w.cstring()? {
        b"sha512" => ssh_key::HashAlg::Sha512,
        b"sha256" => ssh_key::HashAlg::Sha256,
        _ => return Err(SignatureError::Malformed),
    };
    let (signature, sk) = signature_blob(w.string()?, application.is_some())?;
    w.end()?;
    Ok(Sshsig {
        public_key,
        application,
        namespace,
        hash_alg,
        signature,
        sk,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_openssh_reads_it() {
        assert_eq!(base64_pton(b"aGVsbG8="), Some(b"hello".to_vec()));
        assert_eq!(base64_pton(b"aGVs\n bG8=\n"), Some(b"hello".to_vec()));
        assert_eq!(base64_pton(b"aGVsbA=="), Some(b"hell".to_vec()));
        assert_eq!(base64_pton(b"aGVs"), Some(b"hel".to_vec()));
        for bad in [
            &b"aGVsbG8"[..], // the last group is incomplete
            b"aGVsbG9=",     // dropped bits are not zero
            b"aGVsbG8=x",    // text after the padding
            b"aGVsbA=",      // one '=' where two are needed
            b"aGV*bG8=",
        ] {
            assert_eq!(base64_pton(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn armor_must_open_the_file_and_may_trail() {
        let body = b"-----BEGIN SSH SIGNATURE-----\naGVsbG8=\n-----END SSH SIGNATURE-----";
        assert_eq!(dearmor(body), Ok(b"hello".to_vec()));
        let trailing = [&body[..], b"\nanything"].concat();
        assert_eq!(dearmor(&trailing), Ok(b"hello".to_vec()));
        let leading = [&b"note\n"[..], body].concat();
        assert_eq!(dearmor(&leading), Err(SignatureError::Malformed));
        let crlf = String::from_utf8_lossy(body).replace('\n', "\r\n");
        assert_eq!(dearmor(crlf.as_bytes()), Err(SignatureError::Malformed));
    }
}
