//! Shell completions and the manual page, generated from the command
//! line's own definitions: they work in the shell and in `man`.

use std::process::Command;

use crate::common::*;

fn generated(env: &Env, args: &[&str]) -> String {
    let out = env.charter_in(env.path()).args(args).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn bash_completes_the_commands_and_their_flags() {
    let env = Env::new();
    let script = env.path().join("charter.bash");
    std::fs::write(&script, generated(&env, &["completions", "bash"])).unwrap();
    // As bash calls a completion function: the command, the word being
    // completed and the one before it.
    let complete = |words: &str, index: usize| {
        let list: Vec<&str> = words.split(' ').collect();
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source '{}'; COMP_WORDS=({words}); COMP_CWORD={index}; _charter charter '{}' '{}'; echo \"${{COMPREPLY[@]}}\"",
                script.display(),
                list[index],
                list[index - 1],
            ))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let commands = complete("charter pu", 1);
    assert!(
        commands.split_whitespace().any(|w| w == "publish"),
        "{commands}"
    );
    let flags = complete("charter publish --", 2);
    assert!(
        flags.contains("--out") && flags.contains("--theme"),
        "{flags}"
    );
}

#[test]
fn every_shell_gets_a_script_and_an_unknown_one_is_refused() {
    let env = Env::new();
    assert!(generated(&env, &["completions", "zsh"]).starts_with("#compdef charter"));
    assert!(generated(&env, &["completions", "fish"]).contains("complete -c charter"));
    let out = env
        .charter_in(env.path())
        .args(["completions", "tcsh"])
        .output()
        .unwrap();
    assert_one_line_error(&out, 2, &["tcsh", "bash"]);
}

#[test]
fn the_manual_page_renders_without_warnings() {
    let env = Env::new();
    let page = env.path().join("charter.1");
    std::fs::write(&page, generated(&env, &["man"])).unwrap();
    let out = Command::new("groff")
        .args(["-man", "-Tutf8", "-ww"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(stderr(&out), "", "groff warnings");
    let text = stdout(&out);
    for part in ["charter", "publish", "verify", "completions"] {
        assert!(text.contains(part), "{part} missing from the manual");
    }
}
