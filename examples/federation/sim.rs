//! The history's story: when proposals are filed and who acts next. Time
//! runs forward one act at a time; proposals are filed at their slots
//! (spread over the years), the annual review opens in February and closes
//! in November, and between them members act on the open proposals, a few
//! open at once, so that members join, leave and rotate keys while others
//! vote. The ledger judges and records each step.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use charter::model::act::Act;
use charter::model::charter::{text_path, Charter, INDEX};
use charter::model::clock::Timestamp;
use charter::model::id::{Lang, MemberId, PrincipleId};
use charter::model::proposal::{Kind, Proposal};
use charter::process::group::{Change, Draft};
use charter::process::membership::{application, departure, rotation, Application};
use charter::process::review::{closing, opening};
use charter::rules::{self, Status, Tally};

use crate::ledger::{Identity, Ledger, Res};
use crate::text::{self, Rng};

pub struct Options {
    pub members: usize,
    pub proposals: usize,
    pub years: u32,
    pub seed: u64,
}

/// How a proposal's story ends.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Script {
    /// Seconded and accepted by all.
    Adopt,
    /// A member objects, then withdraws the objection; then adopted.
    ObjectionWithdrawn,
    /// A member objects and keeps objecting: rejected at the deadline.
    ObjectionStands,
    /// The proposer withdraws it.
    Withdrawn,
}

#[derive(Clone, Copy, Debug)]
enum Slot {
    Charter(Script),
    Join(Script),
    Leave,
    Rotate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Slot(usize),
    ReviewOpen(i32),
    ReviewClose(i32),
}

struct Open {
    p: Proposal,
    script: Script,
    /// Acceptances before the objection or withdrawal.
    trigger: usize,
    objector: Option<MemberId>,
    /// Paths of the charter it changes (`charter/` for all of them).
    locks: Vec<String>,
}

/// What the history holds, by kind.
#[derive(Default, Debug)]
pub struct Counts {
    pub amendments: usize,
    pub additions: usize,
    pub retirements: usize,
    pub joins: usize,
    pub joins_refused: usize,
    pub departures: usize,
    pub rotations: usize,
    pub objected: usize,
    pub objections_withdrawn: usize,
    pub withdrawn: usize,
    pub expired: usize,
    pub reviews: usize,
}

pub struct Sim<'a> {
    l: &'a mut Ledger,
    rng: Rng,
    opts: &'a Options,
    now: i64,
    gap: f64,
    open: Vec<Open>,
    events: BinaryHeap<Reverse<(i64, Event)>>,
    slots: Vec<Slot>,
    next_identity: usize,
    close_waiting: bool,
    versions: BTreeMap<PrincipleId, usize>,
    pub counts: Counts,
}

const DAY: i64 = 86_400;
/// The group never shrinks below this: a proposal needs a proposer and a
/// seconder, and a departure must leave someone.
const MIN_MEMBERS: usize = 3;

fn time(t: i64) -> Res<Timestamp> {
    chrono::DateTime::from_timestamp(t, 0).ok_or_else(|| format!("no such time {t}").into())
}

fn year_start(year: i32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(9, 0, 0))
        .map_or(0, |t| t.and_utc().timestamp())
}

impl<'a> Sim<'a> {
    /// `start`: the genesis's time, 09:00 on 1 January of `first_year`.
    pub fn new(
        l: &'a mut Ledger,
        opts: &'a Options,
        first_year: i32,
        next_identity: usize,
    ) -> Self {
        let mut rng = Rng::new(opts.seed);
        let start = year_start(first_year);
        let end = year_start(first_year + opts.years as i32);
        let span = (end - start) as f64;
        let mut events = BinaryHeap::new();
        // Two proposals a year for the review, when there are enough to
        // spare: open in February, close in November.
        let reviews = opts.proposals >= 10 * opts.years as usize;
        let mut n = opts.proposals;
        if reviews {
            for y in 0..opts.years as i32 {
                let year = first_year + y;
                let feb = year_start(year) + 31 * DAY + rng.below(10) as i64 * DAY;
                let nov = year_start(year) + 304 * DAY + rng.below(10) as i64 * DAY;
                events.push(Reverse((feb, Event::ReviewOpen(year))));
                events.push(Reverse((nov, Event::ReviewClose(year))));
            }
            n -= 2 * opts.years as usize;
        }
        let slots = slots(&mut rng, n);
        let every = span / n.max(1) as f64;
        for k in 0..n {
            let jitter = (rng.unit() - 0.5) * 0.8;
            let at = start + ((k as f64 + 0.5 + jitter) * every) as i64;
            events.push(Reverse((at.max(start + 1), Event::Slot(k))));
        }
        // The mean time between two acts: a little less than the whole
        // span shared among all acts, so that the queue of open proposals
        // stays short; and short enough that one proposal's acts take a
        // third of its 90-day lifetime, so that none expires by chance.
        let acts = (opts.proposals * (opts.members + 2)).max(1) as f64;
        let within = 30.0 * DAY as f64 / (opts.members + 2) as f64;
        let gap = (0.8 * span / acts).min(within).max(30.0);
        Self {
            l,
            rng,
            opts,
            now: start,
            gap,
            open: Vec::new(),
            events,
            slots,
            next_identity,
            close_waiting: false,
            versions: BTreeMap::new(),
            counts: Counts::default(),
        }
    }

    pub fn run(&mut self) -> Res<()> {
        loop {
            // A proposal whose time ran out holds nothing up: a review's
            // closing waits only for those still open.
            let now = time(self.now)?;
            let before = self.open.len();
            self.open
                .retain(|o| rules::status(&o.p, &now) == Status::Open);
            self.counts.expired += before - self.open.len();
            let next_event = self.events.peek().map(|Reverse((t, _))| *t);
            let has_acts = !self.open.is_empty();
            let step = (self.gap * (0.2 + 1.6 * self.rng.unit())).max(1.0) as i64;
            match (has_acts, next_event) {
                (true, Some(t)) if t > self.now + step => {
                    self.now += step;
                    self.step()?;
                }
                (true, None) => {
                    self.now += step;
                    self.step()?;
                }
                (_, Some(_)) => {
                    let Some(Reverse((t, event))) = self.events.pop() else {
                        break;
                    };
                    self.now = t.max(self.now + 1);
                    self.event(event)?;
                }
                (false, None) => break,
            }
        }
        Ok(())
    }

    fn event(&mut self, event: Event) -> Res<()> {
        let now = time(self.now)?;
        match event {
            Event::ReviewOpen(year) => {
                let who = self.member()?;
                let key = self.l.members_key(&who)?;
                let new = opening(&who, year, None, now);
                self.l
                    .file(new, &[(who.clone(), Act::Propose, key)], &who, now)?;
                self.counts.reviews += 1;
            }
            Event::ReviewClose(year) => {
                if self.open.iter().any(|o| !o.locks.is_empty()) {
                    // Every charter change open now must end first: the
                    // closing re-affirms the charter as it stands.
                    self.close_waiting = true;
                    self.defer(Event::ReviewClose(year));
                    return Ok(());
                }
                self.close_waiting = false;
                let who = self.member()?;
                let key = self.l.members_key(&who)?;
                let new = closing(&self.l.tree, &self.l.governance, &who, year, None, now)?;
                let p = self
                    .l
                    .file(new, &[(who.clone(), Act::Propose, key)], &who, now)?;
                self.counts.reviews += 1;
                self.opened(p, Script::Adopt, vec!["charter/".into()]);
            }
            Event::Slot(k) => self.slot(k, now)?,
        }
        Ok(())
    }

    /// Puts `event` off until after the next step of the open proposals
    /// (a step is at most 1.8 gaps away): put off by less, deferred events
    /// would always come first and the proposals they wait for never move.
    fn defer(&mut self, event: Event) {
        let later = DAY.max((2.0 * self.gap) as i64);
        self.events.push(Reverse((self.now + later, event)));
    }

    fn slot(&mut self, k: usize, now: Timestamp) -> Res<()> {
        let mut slot = self.slots[k];
        let n = self.l.members.len();
        // Keep the group near its size: a departure from a small group
        // becomes a join, a join into a large one a departure.
        match slot {
            Slot::Leave if n <= MIN_MEMBERS.max(self.opts.members / 2) => {
                slot = Slot::Join(Script::Adopt)
            }
            Slot::Join(_) if n > self.opts.members * 3 / 2 => slot = Slot::Leave,
            _ => {}
        }
        match slot {
            Slot::Charter(script) => self.charter_change(k, script, now),
            Slot::Join(script) => self.join(script, now),
            Slot::Leave => {
                let who = self.member()?;
                let key = self.l.members_key(&who)?;
                let name = self.l.name(&who);
                let new = departure(&who, &name, now);
                self.l
                    .file(new, &[(who.clone(), Act::Propose, key)], &who, now)?;
                self.counts.departures += 1;
                Ok(())
            }
            Slot::Rotate => {
                let who = self.member()?;
                let old = self.l.members_key(&who)?;
                let new = self.l.keys.generate(who.as_str())?;
                let name = self.l.name(&who);
                let p = rotation(&who, &name, self.l.keys.get(new).public(), now);
                let first = [
                    (who.clone(), Act::Propose, old),
                    (who.clone(), Act::ConfirmKey, new),
                ];
                self.l.file(p, &first, &who, now)?;
                if let Some(i) = self.l.identities.get_mut(&who) {
                    i.key = new;
                }
                self.counts.rotations += 1;
                Ok(())
            }
        }
    }

    /// A candidate applies with a statement covering every principle (the
    /// library's template, filled in); members then propose and vote.
    fn join(&mut self, script: Script, now: Timestamp) -> Res<()> {
        self.next_identity += 1;
        let n = self.next_identity;
        let id: MemberId = format!("n{n:03}").parse()?;
        let name = format!("Nation {n}");
        let key = self.l.keys.generate(id.as_str())?;
        let charter = Charter::load(&self.l.tree, &self.l.governance.languages)?;
        let lang = self.lang(0)?;
        let template =
            charter::model::statement::template(&self.l.governance.name, &charter, &lang);
        let mut statement = String::new();
        for line in template.lines() {
            statement.push_str(line);
            statement.push('\n');
            if line.starts_with("## ") {
                statement.push_str(&text::line(&mut self.rng, ""));
                statement.push('\n');
            }
        }
        let gaps = charter::model::statement::missing_sections(&statement, &charter, &lang);
        if !gaps.is_empty() {
            return Err(format!("statement of {id} lacks {gaps:?}").into());
        }
        let app = Application {
            id: id.clone(),
            name: name.clone(),
            organisation: Some(format!("Government Digital Service of Nation {n}")),
            statement,
            deadline: None,
            attestation: None,
        };
        let new = application(&self.l.governance, app, self.l.keys.get(key).public(), now)?;
        self.l.identities.insert(id.clone(), Identity { name, key });
        let p = self
            .l
            .file(new, &[(id.clone(), Act::Apply, key)], &id, now)?;
        self.opened(p, script, Vec::new());
        Ok(())
    }

    fn lang(&self, i: usize) -> Res<Lang> {
        self.l
            .governance
            .languages
            .get(i)
            .cloned()
            .ok_or_else(|| "the charter has too few languages".into())
    }

    /// An amendment, a new principle or a retirement, on principles no
    /// open proposal is changing.
    fn charter_change(&mut self, k: usize, script: Script, now: Timestamp) -> Res<()> {
        let charter = Charter::load(&self.l.tree, &self.l.governance.languages)?;
        let langs = self.l.governance.languages.clone();
        let locked = |path: &str, open: &[Open]| {
            open.iter().any(|o| {
                o.locks
                    .iter()
                    .any(|l| l == path || (l.ends_with('/') && path.starts_with(l.as_str())))
            })
        };
        let free: Vec<PrincipleId> = charter
            .principles
            .iter()
            .filter(|p| {
                !langs
                    .iter()
                    .any(|l| locked(&text_path(&p.id, l), &self.open))
            })
            .map(|p| p.id.clone())
            .collect();
        if self.close_waiting || free.is_empty() {
            self.defer(Event::Slot(k));
            return Ok(());
        }
        let index_free = !locked(INDEX, &self.open);
        let count = charter.principles.len();
        let roll = self.rng.unit();
        let proposer = self.member()?;
        let (change, locks) = if index_free && count < 12 && roll < 0.08 {
            let topic = text::TOPICS[self.rng.below(text::TOPICS.len())];
            let n = self.counts.additions + 1;
            let principle: PrincipleId = format!("{}-{n}", topic.0).parse()?;
            let mut texts = BTreeMap::new();
            for lang in &langs {
                let title = if lang.as_str() == "fr" {
                    topic.2
                } else {
                    topic.1
                };
                let t = text::principle(&mut self.rng, lang.as_str(), title, 1);
                texts.insert(lang.clone(), t);
            }
            let after = self.rng.pick(&charter.principles).map(|p| p.id.clone());
            let mut locks = vec![INDEX.to_string()];
            locks.extend(langs.iter().map(|l| text_path(&principle, l)));
            self.counts.additions += 1;
            let change = Change::Add {
                principle,
                texts,
                after,
            };
            (change, locks)
        } else if index_free && count > 7 && roll < 0.16 {
            let Some(principle) = self.rng.pick(&free).cloned() else {
                return Ok(());
            };
            let mut locks = vec![INDEX.to_string()];
            locks.extend(langs.iter().map(|l| text_path(&principle, l)));
            self.counts.retirements += 1;
            (Change::Retire { principle }, locks)
        } else {
            let Some(principle) = self.rng.pick(&free).cloned() else {
                return Ok(());
            };
            let Some(current) = charter.get(&principle) else {
                return Ok(());
            };
            let version = self.versions.entry(principle.clone()).or_insert(1);
            *version += 1;
            let version = *version;
            let mut texts = BTreeMap::new();
            for lang in &langs {
                let title = current.title(lang).to_string();
                let t = text::principle(&mut self.rng, lang.as_str(), &title, version);
                texts.insert(lang.clone(), t);
            }
            let locks = langs.iter().map(|l| text_path(&principle, l)).collect();
            self.counts.amendments += 1;
            (Change::Amend { principle, texts }, locks)
        };
        let draft = Draft {
            change,
            title: None,
            deadline: None,
            review: None,
            unchanged: Vec::new(),
        };
        let new = charter::process::amendment::build_on(
            &self.l.tree,
            &self.l.governance,
            draft,
            &proposer,
            now,
        )?;
        let key = self.l.members_key(&proposer)?;
        let p = self.l.file(
            new,
            &[(proposer.clone(), Act::Propose, key)],
            &proposer,
            now,
        )?;
        self.opened(p, script, locks);
        Ok(())
    }

    fn opened(&mut self, p: Proposal, script: Script, locks: Vec<String>) {
        let electorate = self.l.members.len();
        let trigger = 1 + self.rng.below((electorate / 2).max(1));
        if matches!(script, Script::ObjectionStands | Script::ObjectionWithdrawn) {
            self.counts.objected += 1;
        }
        self.open.push(Open {
            p,
            script,
            trigger,
            objector: None,
            locks,
        });
    }

    /// A random member in force.
    fn member(&mut self) -> Res<MemberId> {
        let ids: Vec<&MemberId> = self.l.members.ids().collect();
        self.rng
            .pick(&ids)
            .map(|m| (*m).clone())
            .ok_or_else(|| "no member left".into())
    }

    /// The next act on one of the open proposals: the oldest half the
    /// time, else any.
    fn step(&mut self) -> Res<()> {
        let i = if self.rng.chance(0.5) {
            0
        } else {
            self.rng.below(self.open.len())
        };
        let now = time(self.now)?;
        if rules::status(&self.open[i].p, &now) != Status::Open {
            // Its time ran out before everyone acted.
            self.counts.expired += 1;
            self.open.remove(i);
            return Ok(());
        }
        let Some((who, act, reason)) = self.next_act(i)? else {
            if self.open[i].p.file.kind == Kind::Member {
                self.counts.joins_refused += 1;
            }
            self.open.remove(i);
            return Ok(());
        };
        let done = self.l.act(&mut self.open[i].p, &who, act, reason, now)?;
        if done && self.open[i].p.file.kind == Kind::Member {
            self.counts.joins += 1;
        }
        if done || rules::status(&self.open[i].p, &now) != Status::Open {
            self.open.remove(i);
        }
        Ok(())
    }

    /// Who acts next on open proposal `i`, and how; `None` when its story
    /// has ended (withdrawn, or an objection that stands).
    fn next_act(&mut self, i: usize) -> Res<Option<(MemberId, Act, Option<String>)>> {
        let members = &self.l.members;
        let o = &self.open[i];
        let tally = Tally::of(&o.p);
        let electorate = rules::electorate(&o.p, members);
        let proposer = o.p.proposer().cloned();
        let pick = |rng: &mut Rng, from: &[MemberId]| rng.pick(from).cloned();
        if !tally.proposed {
            let Some(who) = pick(&mut self.rng, &electorate) else {
                return Ok(None);
            };
            return Ok(Some((who, Act::Propose, None)));
        }
        if tally.seconders.is_empty() {
            let others: Vec<MemberId> = electorate
                .iter()
                .filter(|m| Some(*m) != proposer.as_ref())
                .cloned()
                .collect();
            let Some(who) = pick(&mut self.rng, &others) else {
                return Ok(None);
            };
            return Ok(Some((who, Act::Second, None)));
        }
        let missing: Vec<MemberId> = tally
            .missing(&electorate)
            .into_iter()
            .filter(|m| !tally.objections.contains_key(m))
            .collect();
        let twist = tally.accepted.len() >= o.trigger;
        match o.script {
            Script::Withdrawn if twist => {
                self.counts.withdrawn += 1;
                // Its story ends with this act.
                return Ok(proposer
                    .filter(|p| members.contains(p))
                    .map(|p| (p, Act::Withdraw, None)));
            }
            Script::ObjectionStands | Script::ObjectionWithdrawn
                if twist && self.open[i].objector.is_none() && !missing.is_empty() =>
            {
                let Some(who) = pick(&mut self.rng, &missing) else {
                    return Ok(None);
                };
                self.open[i].objector = Some(who.clone());
                let reason = text::line(&mut self.rng, "We cannot agree yet: ");
                return Ok(Some((who, Act::Object, Some(reason))));
            }
            // A few more acceptances, then nothing: rejected at the
            // deadline.
            Script::ObjectionStands
                if self.open[i].objector.is_some()
                    && (missing.is_empty() || self.rng.chance(0.3)) =>
            {
                return Ok(None);
            }
            Script::ObjectionWithdrawn => {
                if let Some(objector) = self.open[i].objector.clone() {
                    if tally.objections.contains_key(&objector) {
                        if !members.contains(&objector) {
                            return Ok(None);
                        }
                        if missing.is_empty() || self.rng.chance(0.3) {
                            self.counts.objections_withdrawn += 1;
                            return Ok(Some((objector, Act::WithdrawObjection, None)));
                        }
                    }
                }
            }
            _ => {}
        }
        match pick(&mut self.rng, &missing) {
            Some(who) => Ok(Some((who, Act::Accept, None))),
            None => Ok(None),
        }
    }
}

/// The kinds of the `n` proposal slots, shuffled: mostly amendments, and
/// at least one of each other kind when there is room.
fn slots(rng: &mut Rng, n: usize) -> Vec<Slot> {
    let share = |p: f64, min: usize| ((n as f64 * p).round() as usize).max(min);
    let mut out = Vec::with_capacity(n);
    out.extend(std::iter::repeat_n(
        Slot::Join(Script::Adopt),
        share(0.05, 1),
    ));
    out.push(Slot::Join(Script::ObjectionStands));
    out.extend(std::iter::repeat_n(Slot::Leave, share(0.04, 1)));
    out.extend(std::iter::repeat_n(Slot::Rotate, share(0.05, 1)));
    let charter = [
        (Script::ObjectionStands, share(0.05, 1)),
        (Script::ObjectionWithdrawn, share(0.05, 1)),
        (Script::Withdrawn, share(0.02, 1)),
    ];
    for (script, k) in charter {
        out.extend(std::iter::repeat_n(Slot::Charter(script), k));
    }
    out.truncate(n);
    while out.len() < n {
        out.push(Slot::Charter(Script::Adopt));
    }
    rng.shuffle(&mut out);
    out
}

impl Ledger {
    /// The key `who` acts with now.
    pub fn members_key(&self, who: &MemberId) -> Res<usize> {
        Ok(self
            .identities
            .get(who)
            .ok_or_else(|| format!("no key for {who}"))?
            .key)
    }

    pub fn name(&self, who: &MemberId) -> String {
        self.identities
            .get(who)
            .map_or_else(|| who.to_string(), |i| i.name.clone())
    }

    /// How many proposals the tree holds.
    pub fn tree_proposals(&self) -> usize {
        use charter::model::tree::Tree;
        self.tree
            .entries("proposals")
            .unwrap_or_default()
            .iter()
            .map(|y| self.tree.count(&format!("proposals/{}", y.name)))
            .sum()
    }
}
