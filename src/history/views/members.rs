//! `members`: who was a member on a date, since when, with which key.

use serde::Serialize;

use crate::model::clock::{self, Timestamp};
use crate::model::id::MemberId;
use crate::model::member::Members;

#[derive(Debug, Serialize)]
pub struct MembersView {
    pub at: String,
    pub members: Vec<MemberView>,
}

#[derive(Debug, Serialize)]
pub struct MemberView {
    pub id: MemberId,
    pub name: String,
    pub organisation: Option<String>,
    pub joined: String,
    pub left: Option<String>,
    /// The key it held on that date, in OpenSSH form, and its fingerprint.
    pub key: String,
    pub fingerprint: String,
}

impl MembersView {
    pub fn at(members: &Members, when: &Timestamp) -> Self {
        MembersView {
            at: clock::format(when),
            members: members
                .at(when)
                .into_iter()
                .map(|(m, key)| MemberView {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    organisation: m.organisation.clone(),
                    joined: clock::format(&m.joined),
                    left: m.left.as_ref().map(clock::format),
                    key: key.to_openssh(),
                    fingerprint: key.fingerprint(),
                })
                .collect(),
        }
    }
}
