use clap::CommandFactory;

use super::{Cli, CmdResult};

/// Print the shell completion script for SHELL, e.g.
/// `charter completions bash > ~/.local/share/bash-completion/completions/charter`.
#[derive(clap::Args, Debug)]
pub struct Args {
    shell: clap_complete::Shell,
}

pub fn run(args: Args) -> CmdResult {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "charter", &mut script);
    out!("{}", String::from_utf8_lossy(&script))
}

/// Print the manual page, in roff: `charter man > charter.1; man ./charter.1`.
#[derive(clap::Args, Debug)]
pub struct ManArgs {}

pub fn man(_: ManArgs) -> CmdResult {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|e| super::Failure::Output(e.to_string()))?;
    out!("{}", String::from_utf8_lossy(&page))
}
