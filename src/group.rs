//! A governance repository and the operations that change it: create it,
//! file a proposal, sign an act, finalize. Every operation reads the HEAD
//! tree only, checks the rules, and writes one signed commit or nothing.

use std::collections::BTreeMap;
use std::path::Path;

use git2::Oid;

use crate::act::Act;
use crate::charter::{self, Charter, Text};
use crate::clock::{self, Timestamp};
use crate::error::{to_toml, Error, Result};
use crate::governance::{self, Governance};
use crate::id::{slugify, Lang, MemberId, PrincipleId, ProposalId};
use crate::key::{PublicKey, SigningKey};
use crate::member::{Member, Members, ALLOWED_SIGNERS};
use crate::proposal::{self, Decision, Kind, Outcome, Proposal, ProposalFile, Record, ABSENT};
use crate::repo::{Committer, Edits, Repo};
use crate::rules::{self, Status};
use crate::signature::{Message, SignedAct};
use crate::snapshot::{join, Snapshot};
use crate::template::Template;

/// A founding member, as given to `init`.
pub struct Founder {
    pub id: MemberId,
    pub name: Option<String>,
    pub key: PublicKey,
}

pub struct InitOptions<'a> {
    pub template: &'static Template,
    pub name: String,
    pub founders: Vec<Founder>,
    pub key: &'a SigningKey,
    pub now: Timestamp,
}

/// Creates a governance repository in `dir` (new or empty) with one signed
/// genesis commit, the trust root. Returns its id.
pub fn init(dir: &Path, opts: InitOptions<'_>) -> Result<Oid> {
    if opts.founders.is_empty() {
        return Err(Error::Usage(
            "name at least one founding member with --member".into(),
        ));
    }
    let languages = opts
        .template
        .languages
        .iter()
        .map(|l| l.parse())
        .collect::<Result<Vec<Lang>>>()?;
    let gov = Governance::new(&opts.name, languages);
    if gov.name.trim().is_empty() || gov.name.contains('\n') {
        return Err(Error::Usage(
            "the group's name must be one non-empty line".into(),
        ));
    }
    let mut members = Members::default();
    for f in opts.founders {
        if members.contains(&f.id) {
            return Err(Error::Usage(format!("member '{}' is named twice", f.id)));
        }
        if let Some(other) = members.by_key(&f.key) {
            return Err(Error::Usage(format!(
                "members '{}' and '{}' have the same key",
                other.id, f.id
            )));
        }
        let name = f.name.unwrap_or_else(|| f.id.to_string());
        if name.trim().is_empty() || name.contains('\n') {
            return Err(Error::Usage(format!(
                "member '{}' needs a one-line name",
                f.id
            )));
        }
        members.by_id.insert(
            f.id.clone(),
            Member {
                id: f.id,
                name,
                organisation: None,
                joined: clock::format(&opts.now),
                key: f.key,
            },
        );
    }
    let Some(acting) = members.by_key(opts.key.public()) else {
        return Err(Error::NotAMember {
            fingerprint: opts.key.public().fingerprint(),
            group: "the founding members".into(),
        });
    };
    let mut edits = Edits::default();
    edits.put(governance::PATH, to_toml(&gov)?);
    for (name, text) in opts.template.files {
        edits.put(join(charter::DIR, name), *text);
    }
    for m in members.by_id.values() {
        edits.put(Member::path(&m.id), m.to_toml()?);
    }
    edits.put(ALLOWED_SIGNERS, members.allowed_signers());

    if dir.exists()
        && std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .next()
            .is_some()
    {
        return Err(Error::Usage(format!(
            "{}: not empty; init needs a new or empty folder",
            dir.display()
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let repo = Repo::init(dir)?;
    let message = format!(
        "init {}: the {} charter\n\nCharter-Act: init\nCharter-Template: {}\nCharter-Signer: {}\n",
        gov.name, opts.template.name, opts.template.name, acting.id
    );
    let who = committer(&repo, acting, opts.key, opts.now);
    let root = repo.commit(None, &edits, &message, &who)?;
    repo.record_root(root)?;
    Ok(root)
}

fn committer<'k>(
    repo: &Repo,
    member: &Member,
    key: &'k SigningKey,
    when: Timestamp,
) -> Committer<'k> {
    let (name, email) = repo.identity().unwrap_or_else(|| {
        (
            member.name.clone(),
            format!("{}@charter.invalid", member.id),
        )
    });
    Committer {
        name,
        email,
        key,
        when,
    }
}

/// The repository as it stands at HEAD.
pub struct State<'r> {
    pub snapshot: Snapshot<'r>,
    pub head: Oid,
    pub governance: Governance,
    pub members: Members,
}

impl State<'_> {
    pub fn charter(&self) -> Result<Charter> {
        Charter::load(&self.snapshot, &self.governance.languages)
    }

    pub fn proposal(&self, id: &ProposalId) -> Result<Proposal> {
        Proposal::load(&self.snapshot, id)
    }

    pub fn proposal_ids(&self) -> Result<Vec<ProposalId>> {
        proposal::list(&self.snapshot)
    }

    /// Resolves a proposal id or any unique prefix of one.
    pub fn find(&self, prefix: &str) -> Result<ProposalId> {
        let ids = self.proposal_ids()?;
        if let Some(id) = ids.iter().find(|id| id.as_str() == prefix) {
            return Ok(id.clone());
        }
        let matches: Vec<_> = ids
            .into_iter()
            .filter(|id| id.as_str().starts_with(prefix))
            .collect();
        match matches.len() {
            0 => Err(Error::UnknownProposal(prefix.to_string())),
            1 => Ok(matches
                .into_iter()
                .next()
                .ok_or_else(|| Error::UnknownProposal(prefix.to_string()))?),
            _ => Err(Error::AmbiguousProposal {
                prefix: prefix.to_string(),
                matches: matches.iter().map(ToString::to_string).collect(),
            }),
        }
    }

    /// The member who holds `key`.
    pub fn member_for(&self, key: &PublicKey) -> Result<&Member> {
        self.members.by_key(key).ok_or_else(|| Error::NotAMember {
            fingerprint: key.fingerprint(),
            group: self.governance.name.clone(),
        })
    }
}

/// What a proposal changes in the charter.
pub enum Change {
    Amend {
        principle: PrincipleId,
        texts: BTreeMap<Lang, String>,
    },
    Add {
        principle: PrincipleId,
        texts: BTreeMap<Lang, String>,
        after: Option<PrincipleId>,
    },
    Retire {
        principle: PrincipleId,
    },
}

pub struct Draft {
    pub change: Change,
    pub title: Option<String>,
    pub deadline: Option<Timestamp>,
}

/// What an act led to.
pub struct ActOutcome {
    pub id: ProposalId,
    pub commit: Oid,
    /// The finalization commit, when this act completed the decision.
    pub finalized: Option<Oid>,
}

pub struct Group {
    repo: Repo,
}

impl Group {
    pub fn open(path: &Path) -> Result<Self> {
        let repo = Repo::open(path)?;
        let group = Self { repo };
        group.state()?;
        Ok(group)
    }

    pub fn repo(&self) -> &Repo {
        &self.repo
    }

    pub fn state(&self) -> Result<State<'_>> {
        let not_group = || Error::NotAGroup {
            path: self.repo.workdir(),
        };
        let head = self.repo.head()?.ok_or_else(not_group)?;
        let snapshot = self.repo.snapshot(head.id())?;
        let text = snapshot.read(governance::PATH)?.ok_or_else(not_group)?;
        let governance = Governance::parse(&text)?;
        let members = Members::load(&snapshot)?;
        Ok(State {
            snapshot,
            head: head.id(),
            governance,
            members,
        })
    }

    /// Files a new proposal, signed by its proposer. Returns its id.
    pub fn propose(&self, key: &SigningKey, draft: Draft, now: Timestamp) -> Result<ProposalId> {
        let _lock = self.repo.lock()?;
        let state = self.state()?;
        let proposer = state.member_for(key.public())?.clone();
        let charter = state.charter()?;
        let langs = &state.governance.languages;
        let (kind, principle, changes, removes, default_title) = match &draft.change {
            Change::Amend { principle, texts } => {
                let current = charter
                    .get(principle)
                    .ok_or_else(|| unknown_principle(principle))?;
                let changes = checked_texts(principle, texts, langs)?;
                if langs.iter().all(|l| {
                    current.texts.get(l).map(|t| &t.raw)
                        == changes.get(&charter::text_path(principle, l))
                }) {
                    return Err(Error::Usage(format!("the texts given for '{principle}' are the texts in force: nothing to amend")));
                }
                let title = format!("Amend \"{}\"", title_in(current, langs));
                (Kind::Amend, principle, changes, Vec::new(), title)
            }
            Change::Add {
                principle,
                texts,
                after,
            } => {
                if charter.get(principle).is_some() {
                    return Err(Error::Usage(format!(
                        "principle '{principle}' already exists; use propose amend"
                    )));
                }
                let mut changes = checked_texts(principle, texts, langs)?;
                let mut index = charter.index();
                let at = match after {
                    Some(a) => charter.position(a).ok_or_else(|| unknown_principle(a))? + 1,
                    None => index.principles.len(),
                };
                index.principles.insert(at, principle.clone());
                changes.insert(charter::INDEX.to_string(), index.to_toml());
                let reference = langs
                    .first()
                    .and_then(|l| texts.get(l))
                    .map(String::as_str)
                    .unwrap_or_default();
                let title = Text::parse("", reference)
                    .map(|t| t.title)
                    .unwrap_or_default();
                (
                    Kind::Add,
                    principle,
                    changes,
                    Vec::new(),
                    format!("Add \"{title}\""),
                )
            }
            Change::Retire { principle } => {
                let current = charter
                    .get(principle)
                    .ok_or_else(|| unknown_principle(principle))?;
                if charter.principles.len() == 1 {
                    return Err(Error::Usage(
                        "the last principle of a charter cannot be retired".into(),
                    ));
                }
                let mut index = charter.index();
                index.principles.retain(|p| p != principle);
                let mut changes = BTreeMap::new();
                changes.insert(charter::INDEX.to_string(), index.to_toml());
                let removes = langs
                    .iter()
                    .map(|l| charter::text_path(principle, l))
                    .collect();
                (
                    Kind::Retire,
                    principle,
                    changes,
                    removes,
                    format!("Retire \"{}\"", title_in(current, langs)),
                )
            }
        };
        let title = draft.title.unwrap_or(default_title);
        if title.trim().is_empty() || title.contains('\n') {
            return Err(Error::Usage("the title must be one non-empty line".into()));
        }
        let deadline = draft.deadline.or_else(|| {
            state
                .governance
                .proposal_lifetime_days
                .map(|d| now + chrono::Duration::days(i64::from(d)))
        });
        if deadline.is_some_and(|d| d <= now) {
            return Err(Error::Usage("the deadline is already past".into()));
        }
        let base = changes
            .keys()
            .chain(&removes)
            .map(|p| {
                let id = state
                    .snapshot
                    .id(p)
                    .map(|o| o.to_string())
                    .unwrap_or_else(|| ABSENT.into());
                (p.clone(), id)
            })
            .collect();
        let file = ProposalFile {
            kind,
            title,
            proposer: proposer.id.clone(),
            created: clock::format(&now),
            deadline: deadline.map(|d| clock::format(&d)),
            principle: Some(principle.clone()),
            removes,
            base,
        };
        let id = next_id(&state, now, principle.as_str())?;
        let proposal = Proposal::from_parts(&id, to_toml(&file)?, changes, None)?;
        let mut edits = Edits::default();
        for (rel, text) in proposal.content_files() {
            edits.put(join(&id.dir(), &rel), text);
        }
        let record = self.sign_act(&state, &proposal, key, Act::Propose, None, now)?;
        put_record(&mut edits, &proposal, &record);
        self.commit_act(
            &state,
            &proposer,
            key,
            &proposal,
            &record.message,
            edits,
            now,
        )?;
        Ok(id)
    }

    /// Signs an act on a proposal; finalizes it when this act completes the
    /// decision.
    pub fn act(
        &self,
        key: &SigningKey,
        prefix: &str,
        act: Act,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<ActOutcome> {
        let _lock = self.repo.lock()?;
        let state = self.state()?;
        let member = state.member_for(key.public())?.clone();
        let id = state.find(prefix)?;
        let mut proposal = state.proposal(&id)?;
        let record = self.sign_act(&state, &proposal, key, act, reason, now)?;
        let mut edits = Edits::default();
        put_record(&mut edits, &proposal, &record);
        let commit =
            self.commit_act(&state, &member, key, &proposal, &record.message, edits, now)?;
        proposal.records.push(Record {
            path: String::new(),
            act: record,
        });
        let finalized = if matches!(act, Act::Accept | Act::Second | Act::WithdrawObjection) {
            let state = self.state()?;
            if rules::check_finalize(&proposal, &state.members, &state.snapshot, &now).is_ok() {
                Some(self.write_finalization(&state, &member, key, &proposal, now)?)
            } else {
                None
            }
        } else {
            None
        };
        Ok(ActOutcome {
            id,
            commit,
            finalized,
        })
    }

    /// Finalizes a proposal every member of the electorate has accepted.
    pub fn finalize(&self, key: &SigningKey, prefix: &str, now: Timestamp) -> Result<Oid> {
        let _lock = self.repo.lock()?;
        let state = self.state()?;
        let member = state.member_for(key.public())?.clone();
        let proposal = state.proposal(&state.find(prefix)?)?;
        rules::check_finalize(&proposal, &state.members, &state.snapshot, &now)?;
        self.write_finalization(&state, &member, key, &proposal, now)
    }

    fn sign_act(
        &self,
        state: &State<'_>,
        proposal: &Proposal,
        key: &SigningKey,
        act: Act,
        reason: Option<String>,
        now: Timestamp,
    ) -> Result<SignedAct> {
        let signer = state.member_for(key.public())?;
        let message = Message {
            repository: self.repo.root()?.to_string(),
            proposal: proposal.id.clone(),
            digest: proposal.digest,
            act,
            signer: signer.id.clone(),
            date: now,
            reason,
        };
        rules::check_act(proposal, &state.members, &message)?;
        SignedAct::sign(message, key)
    }

    #[allow(clippy::too_many_arguments)]
    fn commit_act(
        &self,
        state: &State<'_>,
        member: &Member,
        key: &SigningKey,
        proposal: &Proposal,
        message: &Message,
        edits: Edits,
        now: Timestamp,
    ) -> Result<Oid> {
        let text = format!(
            "{} {}: {}\n\nCharter-Act: {}\nCharter-Proposal: {}\nCharter-Signer: {}\n",
            message.act, proposal.id, proposal.file.title, message.act, proposal.id, member.id
        );
        let head = self.repo.git().find_commit(state.head)?;
        let who = committer(&self.repo, member, key, now);
        self.repo.commit(Some(&head), &edits, &text, &who)
    }

    fn write_finalization(
        &self,
        state: &State<'_>,
        member: &Member,
        key: &SigningKey,
        proposal: &Proposal,
        now: Timestamp,
    ) -> Result<Oid> {
        let decision = Decision {
            outcome: Outcome::Adopted,
            date: clock::format(&now),
            electorate: state.members.ids().cloned().collect(),
        };
        let mut edits = Edits::default();
        edits.put(
            join(&proposal.id.dir(), proposal::DECISION),
            to_toml(&decision)?,
        );
        for (path, text) in &proposal.changes {
            edits.put(path.clone(), text.clone());
        }
        edits.delete.extend(proposal.file.removes.iter().cloned());
        let tally = rules::Tally::of(proposal);
        let text = format!(
            "finalize {}: {}\n\nAccepted by {}.\n\nCharter-Act: finalize\nCharter-Proposal: {}\nCharter-Signer: {}\n",
            proposal.id,
            proposal.file.title,
            tally.accepted.iter().map(MemberId::as_str).collect::<Vec<_>>().join(", "),
            proposal.id,
            member.id
        );
        let head = self.repo.git().find_commit(state.head)?;
        let who = committer(&self.repo, member, key, now);
        self.repo.commit(Some(&head), &edits, &text, &who)
    }
}

fn put_record(edits: &mut Edits, proposal: &Proposal, record: &SignedAct) {
    let stem = join(&proposal.id.dir(), &record.message.file_stem());
    edits.put(format!("{stem}.msg"), record.message.text());
    edits.put(format!("{stem}.sig"), record.signature.clone());
}

fn unknown_principle(p: &PrincipleId) -> Error {
    Error::Usage(format!(
        "no principle '{p}' in the charter (see charter principles)"
    ))
}

fn title_in(p: &charter::Principle, langs: &[Lang]) -> String {
    langs
        .first()
        .map(|l| p.title(l).to_string())
        .unwrap_or_else(|| p.id.to_string())
}

/// Checks one text per language of the charter, no more, no fewer; returns
/// them keyed by their path in the charter.
fn checked_texts(
    principle: &PrincipleId,
    texts: &BTreeMap<Lang, String>,
    langs: &[Lang],
) -> Result<BTreeMap<String, String>> {
    if let Some(extra) = texts.keys().find(|l| !langs.contains(l)) {
        return Err(Error::Usage(format!(
            "language '{extra}' is not a language of this charter ({})",
            langs
                .iter()
                .map(Lang::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut out = BTreeMap::new();
    for lang in langs {
        let text = texts.get(lang).ok_or_else(|| {
            Error::Usage(format!("missing the '{lang}' text: every language of the charter is authentic; give --text {lang}=FILE"))
        })?;
        let path = charter::text_path(principle, lang);
        Text::parse(&format!("{lang} text"), text)?;
        out.insert(path, text.clone());
    }
    Ok(out)
}

fn next_id(state: &State<'_>, now: Timestamp, slug: &str) -> Result<ProposalId> {
    let year = chrono::Datelike::year(&now);
    let taken = state
        .snapshot
        .list(&format!("{}/{year}", proposal::ROOT))?
        .len();
    ProposalId::new(year, taken as u32 + 1, &slugify(slug))
}

/// Where a proposal stands now, for the reading commands.
pub fn status_of(p: &Proposal, now: &Timestamp) -> Status {
    rules::status(p, now)
}
