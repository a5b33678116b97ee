//! The rules of the amendment process, each seen through the built binary.

use crate::common::*;

#[test]
fn an_objection_blocks_until_withdrawn_then_the_decision_is_final() {
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.act("ee", "second", &id);
    g.charter("kr")
        .args(["object", &id, "--reason", "the French text needs work"])
        .assert()
        .success();
    for who in ["il", "nz", "kr"] {
        g.act(who, "accept", &id);
    }
    // Everyone accepted, but the objection stands: nothing is applied.
    assert_ne!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    let status = json(&g.read().args(["status", "--json"]).output().unwrap());
    let p = &status["proposals"][0];
    assert_eq!(p["objections"][0]["member"], "kr");
    assert_eq!(p["objections"][0]["reason"], "the French text needs work");
    let out = g
        .charter("kr")
        .args(["object", &id, "--withdraw", "--json"])
        .output()
        .unwrap();
    assert!(json(&out)["finalized"].is_string(), "{}", stdout(&out));
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    assert!(g.verify().status.success(), "{}", stderr(&g.verify()));
}

#[test]
fn the_proposer_can_withdraw_and_then_nobody_can_sign() {
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let out = g.charter("ee").args(["withdraw", &id]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out), @"error: only the proposer (uk) can withdraw 2026-001-open-source");
    g.act("uk", "withdraw", &id);
    let out = g.charter("ee").args(["second", &id]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out), @"error: 2026-001-open-source is withdrawn and can no longer be signed");
    assert!(g.verify().status.success());
}

#[test]
fn a_proposal_past_its_deadline_expires() {
    let mut g = Group::d5();
    let texts = g.texts("os", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.charter("uk")
        .args([
            "propose",
            "amend",
            "open-source",
            "--deadline",
            "2026-11-30",
        ])
        .args(&texts)
        .assert()
        .success();
    g.act("ee", "second", "2026-001");
    g.at("2026-12-01T00:00:00Z");
    let out = g
        .charter("il")
        .args(["accept", "2026-001"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out), @"error: 2026-001-open-source is expired and can no longer be signed");
    let all = json(
        &g.read()
            .args(["status", "--all", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(all["proposals"][0]["status"], "expired");
    let open = json(&g.read().args(["status", "--json"]).output().unwrap());
    assert_eq!(open["proposals"].as_array().unwrap().len(), 0);
}

#[test]
fn seconding_needs_another_member_and_each_act_is_signed_once() {
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let out = g.charter("uk").args(["second", &id]).output().unwrap();
    insta::assert_snapshot!(stderr(&out), @"error: uk proposed 2026-001-open-source and cannot second it; another member must");
    g.act("ee", "accept", &id);
    let out = g.charter("ee").args(["accept", &id]).output().unwrap();
    insta::assert_snapshot!(stderr(&out), @"error: ee has already made the act 'accept' on 2026-001-open-source");
    // Without a second, even unanimous acceptance does not finalize.
    for who in ["il", "nz", "kr"] {
        g.act(who, "accept", &id);
    }
    assert_ne!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    let out = g.charter("kr").args(["finalize", &id]).output().unwrap();
    insta::assert_snapshot!(stderr(&out), @"error: 2026-001-open-source has not been seconded");
    g.act("nz", "second", &id);
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
}

#[test]
fn add_and_retire_change_the_order_of_principles() {
    let g = Group::d5();
    let texts = g.texts(
        "ai",
        "# Responsible AI\n\nAlgorithms used by government are explained in public.\n",
        "# IA responsable\n\nLes algorithmes publics sont expliqués publiquement.\n",
    );
    let out = g
        .charter("uk")
        .args([
            "propose",
            "add",
            "responsible-ai",
            "--after",
            "open-source",
            "--json",
        ])
        .args(&texts)
        .output()
        .unwrap();
    let id = json(&out)["id"].as_str().unwrap().to_string();
    assert_eq!(id, "2026-001-responsible-ai");
    g.act("ee", "second", &id);
    for who in ["il", "nz", "kr"] {
        g.act(who, "accept", &id);
    }
    let list = json(&g.read().args(["principles", "--json"]).output().unwrap());
    assert_eq!(list[3]["id"], "responsible-ai");
    assert_eq!(list[3]["number"], 4);
    assert_eq!(list[3]["title"]["fr"], "IA responsable");
    assert_eq!(list.as_array().unwrap().len(), 10);

    let out = g
        .charter("nz")
        .args(["propose", "retire", "open-markets"])
        .output()
        .unwrap();
    let retire = stdout(&out).trim().to_string();
    assert_eq!(retire, "2026-002-open-markets");
    g.act("kr", "second", &retire);
    for who in ["uk", "ee", "il"] {
        g.act(who, "accept", &retire);
    }
    let list = json(&g.read().args(["principles", "--json"]).output().unwrap());
    assert_eq!(list.as_array().unwrap().len(), 9);
    assert!(!g.repo.join("charter/open-markets.en.md").exists());
    insta::assert_snapshot!(g.shown(&["principles"]), @"
    1.  user-needs                     User needs                      Besoins des usagers
    2.  open-standards                 Open standards                  Normes ouvertes
    3.  open-source                    Open source                     Logiciel libre
    4.  responsible-ai                 Responsible AI                  IA responsable
    5.  open-government                Open government (transparency)  Gouvernement ouvert (transparence)
    6.  connectivity                   Connectivity                    Connectivité
    7.  teach-children-to-code         Teaching children to code       Apprendre aux enfants à programmer
    8.  assisted-digital               Assisted digital                Accompagnement numérique
    9.  commitment-to-share-and-learn  Commitment to share and learn   Engagement à partager et à apprendre
    ");
    insta::assert_snapshot!(g.shown(&["verify"]), @"verified: 13 commits from trust root 7746aafd78a1 to 690ebc0dcb3d (0 new): 10 signatures, 2 proposals, 2 finalizations; 5 members, 9 principles");
}

#[test]
fn a_proposal_overtaken_by_another_decision_cannot_be_finalized() {
    let g = Group::d5();
    let first = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let second = g.propose_amend(
        "ee",
        "open-source",
        "# Open source\n\nAnother text.\n",
        "# Logiciel libre\n\nUn autre texte.\n",
    );
    // The second is fully accepted, but kr's objection holds it.
    g.run_as("kr", &["object", &second, "--reason", "wait for the first"]);
    g.act("uk", "second", &second);
    for who in ["il", "nz", "kr"] {
        g.act(who, "accept", &second);
    }
    g.act("ee", "second", &first);
    for who in ["il", "nz", "kr"] {
        g.act(who, "accept", &first);
    }
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    // The objection withdrawn, the second would complete, but it was made
    // against the old text: it is not applied.
    g.run_as("kr", &["object", &second, "--withdraw"]);
    assert_eq!(g.read_file("charter/open-source.en.md"), OPEN_SOURCE_EN);
    let out = g
        .charter("kr")
        .args(["finalize", &second])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(stderr(&out), @"error: 2026-002-open-source was made against another version of charter/open-source.en.md, so it can no longer take effect; its proposer can withdraw it and propose anew");
    assert!(g.verify().status.success());
}

/// A vote for a proposal that can no longer take effect (made against a
/// text since changed) is refused before it is signed, saying why and what
/// to do; its proposer may still withdraw it. The control: the same kind
/// of vote before the change (uk's second) was taken.
#[test]
fn a_vote_for_a_proposal_that_can_no_longer_take_effect_is_refused_before_signing() {
    let g = Group::d5();
    let first = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let second = g.propose_amend(
        "ee",
        "open-source",
        "# Open source\n\nAnother text.\n",
        "# Logiciel libre\n\nUn autre texte.\n",
    );
    g.act("uk", "second", &second);
    g.second_and_accept_all("uk", "ee", &first);
    let head = g.head();
    for (who, act) in [("il", "accept"), ("nz", "second")] {
        let err = g.assert_refused(
            g.charter(who).args([act, &second]),
            &[
                &second,
                "made against another version of charter/open-source",
                "withdraw it and propose anew",
            ],
        );
        assert!(!err.contains("internal"), "{err}");
        assert_eq!(g.head(), head, "nothing was signed");
    }
    // The proposer may still withdraw it.
    g.act("ee", "withdraw", &second);
    g.assert_verify_passes();
}

#[test]
fn show_gives_the_word_diff_signatures_and_who_is_missing() {
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.act("ee", "second", &id);
    insta::assert_snapshot!(g.shown(&["show", "2026-001"]), @r#"
    2026-001-open-source  Amend "Open source"  [open]
      proposed by  uk on 2026-11-23T10:00:00Z
      deadline     2027-02-21T10:00:00Z
      seconded by  ee
      accepted by  ee, uk
      waiting for  il, kr, nz
      digest       sha256:9477b43564f5fde30c261270d43d43a09bb3572373be22ba76a0f946a69846b8

    Change

    charter/open-source.en.md
        # Open source
        
        [-Open source: future government systems, tools and services will be made-]{+Government code is+} open source [-and shareable between members where appropriate-]{+by default+}.

    charter/open-source.fr.md
        # Logiciel libre
        
        [-Logiciel libre : les futurs systèmes, outils et services de l’administration seront rendus libres (open source) et partageables entre les membres, lorsque cela-]{+Le code public+} est [-approprié-]{+libre par défaut+}.

    Signatures
      uk  propose  2026-11-23T10:00:00Z  good
      ee  second   2026-11-23T10:00:00Z  good
    "#);
    let v = json(&g.read().args(["show", &id, "--json"]).output().unwrap());
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["status"], "open");
    assert_eq!(v["missing"], serde_json::json!(["il", "kr", "nz"]));
    assert_eq!(v["signatures"].as_array().unwrap().len(), 2);
    assert_eq!(v["signatures"][0]["valid"], true);
    let diff = &v["changes"][0]["diff"];
    assert!(diff.as_array().unwrap().iter().any(|p| p["op"] == "added"));
}

#[test]
fn text_and_principles_read_the_charter_in_every_language() {
    let g = Group::d5();
    insta::assert_snapshot!(g.shown(&["text", "user-needs", "--lang", "fr"]), @"
    ## 1. Besoins des usagers

    Besoins des usagers : la conception des services publics pour le citoyen.
    ");
    insta::assert_snapshot!(g.shown(&["principles"]), @"
    1.  user-needs                     User needs                      Besoins des usagers
    2.  open-standards                 Open standards                  Normes ouvertes
    3.  open-source                    Open source                     Logiciel libre
    4.  open-markets                   Open markets                    Marchés ouverts
    5.  open-government                Open government (transparency)  Gouvernement ouvert (transparence)
    6.  connectivity                   Connectivity                    Connectivité
    7.  teach-children-to-code         Teaching children to code       Apprendre aux enfants à programmer
    8.  assisted-digital               Assisted digital                Accompagnement numérique
    9.  commitment-to-share-and-learn  Commitment to share and learn   Engagement à partager et à apprendre
    ");
    let v = json(&g.read().args(["text", "--json"]).output().unwrap());
    assert_eq!(v.as_array().unwrap().len(), 9);
    assert_eq!(v[8]["id"], "commitment-to-share-and-learn");
}

#[test]
fn demo_plays_the_story_and_its_repository_verifies() {
    let env = Env::new();
    let dir = env.path().join("demo");
    let out = env
        .charter_in(env.path())
        .args(["demo"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for part in [
        "waiting for  kr",
        "{+by default",
        "ca  Canada",
        "verified: 14 commits",
        "6 members",
        "Try next",
    ] {
        assert!(text.contains(part), "missing {part:?} in {text}");
    }
    // The demo's site, and where to open it.
    let home = env.path().join("demo-site/index.html");
    assert!(text.contains(&format!("open {}", home.display())), "{text}");
    assert!(std::fs::read_to_string(&home)
        .unwrap()
        .contains("Open source by default"));
    assert!(env.path().join("demo-keys/uk").exists());
    assert!(
        !dir.join("keys/uk").exists(),
        "no private key in the repository"
    );
    let out = env.charter_in(&dir).arg("verify").output().unwrap();
    assert!(out.status.success());

    // The commands to try next work as printed, in a shell whose PATH
    // does not hold the built binary.
    let next: Vec<&str> = text
        .split("== Try next\n")
        .nth(1)
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let cd = next[0];
    assert!(cd.starts_with("cd "), "{cd}");
    assert!(
        !text.contains("\n  charter "),
        "bare `charter` is not on PATH: {text}"
    );
    for command in &next[1..] {
        let out = std::process::Command::new("sh")
            .env_clear()
            .envs(hermetic_env(env.path(), &env.now))
            .arg("-c")
            .arg(format!("{cd} && {command}"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{command}: {}", stderr(&out));
    }
}

#[test]
fn a_command_killed_while_holding_the_lock_does_not_block_the_next() {
    let g = Group::d5();
    // `flock` takes the same OS lock charter takes, then is killed: the
    // kernel releases the lock; the file stays, as it always does now.
    let lock = g.repo.join(".git/charter/lock");
    // `-o`: the lock is flock's own, not inherited by `sleep`.
    let mut holder = std::process::Command::new("flock")
        .arg("-o")
        .arg(&lock)
        .args(["sleep", "600"])
        .spawn()
        .unwrap();
    while !lock_held(&g.repo) {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert!(lock.exists() && !lock_held(&g.repo));
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    assert_eq!(id, "2026-001-open-source");
    assert!(!lock_held(&g.repo));
}

#[test]
fn status_says_what_holds_a_proposal_everyone_accepted() {
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    g.charter("kr")
        .args(["object", &id, "--reason", "not yet"])
        .assert()
        .success();
    g.act("ee", "second", &id);
    for who in ["il", "nz", "kr"] {
        g.act(who, "accept", &id);
    }
    insta::assert_snapshot!(g.shown(&["status"]), @r#"
    Digital 5: 5 members, 1 proposal

    2026-001-open-source  Amend "Open source"  [open]
      proposed by  uk on 2026-11-23T10:00:00Z
      deadline     2027-02-21T10:00:00Z
      seconded by  ee
      accepted by  ee, il, kr, nz, uk
      blocked      2026-001-open-source is blocked by the objection of kr
      objection    kr: not yet
    "#);
    let v = json(&g.read().args(["status", "--json"]).output().unwrap());
    assert_eq!(
        v["proposals"][0]["blocked"],
        "2026-001-open-source is blocked by the objection of kr"
    );
}

#[test]
fn demo_refuses_a_folder_in_use_and_writes_nothing() {
    let env = Env::new();
    let dir = env.path().join("busy");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let out = env
        .charter_in(env.path())
        .arg("demo")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(env.hide_root(&stderr(&out)), @"error: [ROOT]/busy: not empty; the demo needs a new or empty folder");
    assert!(!env.path().join("busy-keys").exists());
    assert!(!dir.join(".git").exists());

    // A site folder already beside it is not overwritten either.
    let site = env.path().join("fresh-site");
    std::fs::create_dir_all(&site).unwrap();
    let out = env
        .charter_in(env.path())
        .arg("demo")
        .arg(env.path().join("fresh"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("fresh-site: already exists"),
        "{}",
        stderr(&out)
    );
    assert!(!env.path().join("fresh").exists());
}

/// After `init`, `key generate` and `key rotate`, a hint says how to act
/// without `--key`; once git names the key, `init`'s hint is not repeated.
#[test]
fn acts_that_set_up_a_key_say_how_to_use_it() {
    let env = Env::new();
    let uk = env.key("uk");
    let uk_abs = std::fs::canonicalize(&uk).unwrap();
    let init = |dir: &str| {
        let mut cmd = env.charter_in(env.path());
        cmd.args(["init", dir, "--template", "d5", "--name", "Digital 5"]);
        for id in ["uk", "ee"] {
            env.key(id);
            cmd.arg("--member").arg(format!("{id}=keys/{id}.pub"));
        }
        let out = cmd.arg("--key").arg(&uk).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stderr(&out)
    };
    let said = init("first");
    let repo = env.path().join("first");
    assert!(
        said.contains(&format!(
            "hint: to act without --key: git -C {} config charter.key {}",
            repo.display(),
            uk_abs.display()
        )),
        "{said}"
    );

    let out = env
        .charter_in(env.path())
        .args(["key", "generate", "--out", "new-key"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let new_key = std::fs::canonicalize(env.path().join("new-key")).unwrap();
    assert!(
        stderr(&out).contains(&format!(
            "git -C CLONE config charter.key {}",
            new_key.display()
        )),
        "{}",
        stderr(&out)
    );

    // Following the hint: the next act needs no --key.
    let git = |args: &[&str]| {
        let out = env.git_in(&repo).args(args).output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
    };
    git(&["config", "charter.key", uk_abs.to_str().unwrap()]);
    let out = env
        .charter_in(&repo)
        .args(["key", "show"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// `charter --key WHO ARGS` under script(1), so that it has a terminal,
/// answering `answer`: whether it succeeded, and what it printed.
fn on_terminal(g: &Group, who: &str, args: &str, answer: &str) -> (bool, String) {
    let command = format!(
        "{} --key {} {args}",
        assert_cmd::cargo::cargo_bin("charter").display(),
        g.env.key(who).display()
    );
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_clear()
        .envs(hermetic_env(g.env.path(), NOW))
        .current_dir(&g.repo)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(answer.as_bytes())?;
            }
            child.wait_with_output()
        })
        .unwrap();
    (out.status.success(), stdout(&out))
}

fn has_script() -> bool {
    let found = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        eprintln!("skipped: no script(1) to provide a terminal");
    }
    found
}

/// On a terminal an act first shows what it signs (the proposal, its
/// change as a word diff, its digest, who has signed) and asks; "n" signs
/// nothing, "y" signs, and `--yes` does not ask. Without a terminal (every
/// other test) nothing is asked.
#[test]
fn on_a_terminal_an_act_shows_the_proposal_and_asks_before_signing() {
    if !has_script() {
        return;
    }
    let g = Group::d5();
    let id = g.propose_amend("uk", "open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR);
    let on_terminal = |who: &str, args: &str, answer: &str| on_terminal(&g, who, args, answer);
    let head = g.head();
    let (signed, text) = on_terminal("ee", &format!("second {id}"), "n\n");
    assert!(!signed, "{text}");
    for shown in [
        id.as_str(),
        "proposed by  uk",
        "digest       sha256:",
        "{+Government code is+}",
        &format!("Sign 'second' on {id} as ee? [y/N]"),
        "not confirmed: nothing was signed",
    ] {
        assert!(text.contains(shown), "{shown}: {text}");
    }
    assert_eq!(g.head(), head, "nothing was signed");
    let (signed, text) = on_terminal("ee", &format!("second {id}"), "y\n");
    assert!(signed, "{text}");
    assert!(text.contains(&format!("ee seconded {id}")), "{text}");
    assert_ne!(g.head(), head);
    let (signed, text) = on_terminal("il", &format!("--yes accept {id}"), "");
    assert!(signed, "{text}");
    assert!(!text.contains("[y/N]"), "{text}");
    g.assert_verify_passes();
}

/// A new proposal is shown as it will be signed, before its first
/// signature: an amendment with its word diff, an application with the
/// candidate's statement, the proposal of a candidate with the member
/// concerned. "n" files nothing.
#[test]
fn on_a_terminal_a_new_proposal_is_shown_and_asked_before_it_is_filed() {
    if !has_script() {
        return;
    }
    let g = Group::d5();
    let texts = g
        .texts("open-source", OPEN_SOURCE_EN, OPEN_SOURCE_FR)
        .join(" ");
    let amend = format!("propose amend open-source {texts}");
    let head = g.head();
    let (filed, text) = on_terminal(&g, "uk", &amend, "n\n");
    assert!(!filed, "{text}");
    for shown in [
        "2026-001-open-source",
        "digest       sha256:",
        "{+Government code is+}",
        "Sign 'propose' on 2026-001-open-source as uk? [y/N]",
        "not confirmed: nothing was signed",
    ] {
        assert!(text.contains(shown), "{shown}: {text}");
    }
    assert_eq!(g.head(), head, "nothing was filed");
    let (filed, text) = on_terminal(&g, "uk", &amend, "y\n");
    assert!(filed, "{text}");
    assert!(text.contains("uk proposed 2026-001-open-source"), "{text}");

    // An application shows the statement of interest it signs.
    let statement = g.statement_file("jp", &fill_statement(&g.statement_template()));
    let apply = format!(
        "apply --id jp --name Japan --statement {}",
        statement.display()
    );
    let (filed, text) = on_terminal(&g, "jp", &apply, "n\n");
    assert!(!filed, "{text}");
    assert!(
        text.contains("Sign 'apply' on 2026-002-member-jp as jp? [y/N]"),
        "{text}"
    );
    assert!(text.contains("## "), "the statement's sections: {text}");
    let (filed, text) = on_terminal(&g, "jp", &apply, "y\n");
    assert!(filed, "{text}");
    let head = g.head();
    let (proposed, text) = on_terminal(&g, "ee", "propose member jp", "no\n");
    assert!(!proposed, "{text}");
    assert!(
        text.contains("Sign 'propose' on 2026-002-member-jp as ee? [y/N]"),
        "{text}"
    );
    assert_eq!(g.head(), head);
    let (proposed, text) = on_terminal(&g, "ee", "--yes propose member jp", "");
    assert!(proposed, "{text}");
    assert!(!text.contains("[y/N]"), "{text}");
    g.assert_verify_passes();
}
