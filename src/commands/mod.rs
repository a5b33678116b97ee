//! One file per command; each holds its clap arguments and a `run` function
//! that calls into the library and prints.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::error::ErrorKind as ClapErrorKind;
use clap::{Parser, Subcommand};

use charter::crypto::input::echo;
use charter::crypto::key::SigningKey;
use charter::model::error::ErrorKind;
use charter::store::repo::GitSigningKey;
use charter::Error;

/// `println!` and `print!` that end the command quietly when stdout is
/// closed (`charter log | head -1`) instead of panicking.
macro_rules! outln {
    () => {
        $crate::commands::output::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::commands::output::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::commands::output::write(format_args!($($arg)*))
    };
}

/// `eprintln!` that never panics: a message on stderr, which may be closed
/// or full (see [`output::message`]).
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::commands::output::message(format_args!("{}\n", format_args!($($arg)*)))
    };
}
/// `eprint!` that never panics.
macro_rules! err {
    ($($arg:tt)*) => {
        $crate::commands::output::message(format_args!($($arg)*))
    };
}

mod act;
mod apply;
mod completions;
mod demo;
mod diff;
mod init;
mod key;
mod leave;
mod log;
mod members;
mod next;
mod output;
mod principles;
mod propose;
mod publish;
mod report;
mod review;
mod show;
mod status;
mod sync;
mod text;
mod todo;
mod verify;

/// Keep a group's charter of principles and its membership in git, where
/// every decision is a signed record anyone can verify.
#[derive(Parser, Debug)]
#[command(name = "charter", version, propagate_version = true)]
pub struct Cli {
    /// Run as if started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    directory: Option<PathBuf>,
    /// The acting member's key: its OpenSSH private key, or its public key
    /// when an ssh-agent holds it (else CHARTER_KEY, else git config
    /// charter.key, else user.signingkey when gpg.format is ssh).
    #[arg(long, global = true, value_name = "PATH")]
    key: Option<PathBuf>,
    /// Sign without showing the proposal and asking first (as when no
    /// terminal is attached).
    #[arg(long, short = 'y', global = true)]
    yes: bool,
    /// When to colour the output: on a terminal (auto, which NO_COLOR and
    /// CLICOLOR_FORCE adjust), always or never.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    color: Color,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Manage ed25519 keys.
    #[command(subcommand)]
    Key(key::KeyCommand),
    Init(init::Args),
    /// File a proposal: an amendment, a new or retired principle, a
    /// language, a member, a removal or a key replacement.
    #[command(subcommand)]
    Propose(propose::ProposeCommand),
    /// Second a proposal (counts as accepting it).
    Second(act::Args),
    /// Accept a proposal; the last acceptance finalizes it.
    Accept(act::Args),
    Object(act::ObjectArgs),
    /// Withdraw your own proposal.
    Withdraw(act::Args),
    /// Finalize a proposal every member has accepted (acts do this by themselves).
    Finalize(act::Args),
    Principles(principles::Args),
    Text(text::Args),
    Status(status::Args),
    Todo(todo::Args),
    Show(show::Args),
    Verify(verify::Args),
    /// The annual review: open, close, status.
    #[command(subcommand)]
    Review(review::ReviewCommand),
    Sync(sync::Args),
    Log(log::Args),
    Report(report::Args),
    Publish(publish::Args),
    Diff(diff::Args),
    Apply(apply::Args),
    Members(members::Args),
    Leave(leave::Args),
    Demo(demo::Args),
    Completions(completions::Args),
    Man(completions::ManArgs),
}

/// What a command failed with. The exit status says whose fault it is, as
/// jj's `CommandError` kinds do: a history that does not verify (1), the
/// user's input or an act the rules refuse (2), git or the machine (3).
pub enum Failure {
    /// The library's error; its kind decides the exit status.
    Library(Error),
    /// Bad input found by the command line itself.
    Input(String),
    Verification(String),
    /// stdout is closed (`charter log | head -1`): stop quietly.
    ClosedOutput,
    /// stdout cannot be written (a full disk): the machine's fault.
    Output(String),
}

impl<E: Into<Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Library(e.into())
    }
}

/// Exit statuses.
const VERIFICATION_FAILED: u8 = 1;
const BAD_INPUT: u8 = 2;
const INTERNAL: u8 = 3;

pub type CmdResult = Result<(), Failure>;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e)
            if matches!(
                e.kind(),
                ClapErrorKind::ValueValidation | ClapErrorKind::InvalidValue
            ) =>
        {
            // A bad id or value is bad input: one line, like every other,
            // with the value echoed safely (clap would show it raw).
            return report(BAD_INPUT, format_args!("error: {}", invalid_value(&e)));
        }
        Err(e) if e.kind() == ClapErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // `charter review`: the help of the group of commands.
            let _ = e.print();
            return ExitCode::from(BAD_INPUT);
        }
        Err(e) if e.use_stderr() => {
            return report(BAD_INPUT, format_args!("{}", usage_error(&e)));
        }
        Err(e) => {
            // --help and --version, on stdout.
            let printed = e.print().map_err(output::stdout_failure);
            return finish(printed.and_then(|()| output::flush()));
        }
    };
    finish(run(cli).and_then(|()| output::flush()))
}

/// The exit status and the one line on stderr for what a command ended with.
fn finish(result: CmdResult) -> ExitCode {
    match result {
        Ok(()) if output::message_lost() => {
            // A message could not be written to stderr (a full disk): it
            // is no use trying to say so there.
            ExitCode::from(INTERNAL)
        }
        Ok(()) | Err(Failure::ClosedOutput) => ExitCode::SUCCESS,
        Err(Failure::Output(m)) => report(INTERNAL, format_args!("error: {m}")),
        Err(Failure::Input(m)) => report(BAD_INPUT, format_args!("error: {m}")),
        Err(Failure::Verification(m)) => report(
            VERIFICATION_FAILED,
            format_args!("error: verification failed: {m}"),
        ),
        Err(Failure::Library(e)) => match e.kind() {
            ErrorKind::Input | ErrorKind::Refused => report(BAD_INPUT, format_args!("error: {e}")),
            ErrorKind::Verification => report(
                VERIFICATION_FAILED,
                format_args!("error: verification failed: {e}"),
            ),
            ErrorKind::Internal => report(
                INTERNAL,
                format_args!(
                    "internal error: {e} (a fault of git or of this machine, not of your input)"
                ),
            ),
        },
    }
}

/// Prints one line on stderr, which may be closed or full too, and exits
/// with `code`.
fn report(code: u8, line: std::fmt::Arguments<'_>) -> ExitCode {
    errln!("{line}");
    ExitCode::from(code)
}

/// Any other usage error of clap's in the one-line form of every error:
/// its message, a tip it gives, then the usage and where help is.
fn usage_error(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut message = Vec::new();
    let mut tips = Vec::new();
    let mut usage = None;
    let mut in_message = true;
    for line in text.lines().map(str::trim) {
        if let Some(u) = line.strip_prefix("Usage: ") {
            usage = Some(u.to_string());
        } else if let Some(t) = line.strip_prefix("tip: ") {
            tips.push(t.to_string());
        } else if line.is_empty() {
            in_message = false;
        } else if in_message {
            message.push(line.trim_start_matches("error: ").to_string());
        }
    }
    // What the user typed is echoed, one line, no control characters.
    let one_line = |text: String| -> String {
        text.chars()
            .flat_map(|c| match c.is_control() {
                true => c.escape_default().collect::<Vec<_>>(),
                false => vec![c],
            })
            .collect()
    };
    let mut line = format!("error: {}", one_line(message.join(" ")));
    for tip in tips {
        line.push_str(&format!("; {}", one_line(tip)));
    }
    if let Some(usage) = usage {
        let help: Vec<&str> = usage
            .split_whitespace()
            .take_while(|w| !w.starts_with(['-', '<', '[']))
            .collect();
        let help = help.join(" ");
        line.push_str(&format!(" (usage: {usage}; see {help} --help)"));
    }
    line
}

/// clap's refusal of a value, in one line, the value echoed safely:
/// `invalid value '…' for '--id <ID>': invalid member id '…': …`.
fn invalid_value(e: &clap::Error) -> String {
    use clap::error::{ContextKind, ContextValue};
    let context = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let value = context(ContextKind::InvalidValue).unwrap_or_default();
    let mut line = format!("invalid value '{}'", echo(value));
    if let Some(arg) = context(ContextKind::InvalidArg) {
        line.push_str(&format!(" for '{}'", echo(arg)));
    }
    match std::error::Error::source(e) {
        Some(why) => line.push_str(&format!(": {why}")),
        None => {
            if let Some(ContextValue::Strings(valid)) = e.get(ContextKind::ValidValue) {
                line.push_str(&format!(" (possible values: {})", valid.join(", ")));
            }
        }
    }
    line
}

/// Options every command shares.
pub struct Ctx {
    pub dir: PathBuf,
    key: Option<PathBuf>,
    /// `--yes`: never ask before signing.
    pub yes: bool,
}

impl Ctx {
    /// The acting key: `--key`, else `CHARTER_KEY`, else git config
    /// `charter.key`, else git's own `user.signingkey` when `gpg.format` is
    /// `ssh`. A private key file, or a public key (file, or git's literal
    /// `key::ssh-ed25519 ...`) whose private half the ssh-agent holds.
    pub fn signing_key(&self) -> Result<SigningKey, Error> {
        Ok(self.open_signing_key()?.on_touch(|line| errln!("{line}")))
    }

    fn open_signing_key(&self) -> Result<SigningKey, Error> {
        let agent = self.agent();
        let agent = agent.as_deref();
        if let Some(path) = self.key_path() {
            return Ok(SigningKey::open(&path, agent, &output::passphrase)?);
        }
        match charter::store::repo::git_signing_key(&self.dir) {
            Some(GitSigningKey::Literal(line)) => {
                let origin = PathBuf::from("user.signingkey");
                let key = charter::crypto::key::parse_public_literal(&origin, &line)?;
                Ok(SigningKey::from_agent(&origin, key, agent)?)
            }
            Some(GitSigningKey::File(path)) => {
                Ok(SigningKey::open(&path, agent, &output::passphrase)?)
            }
            None => Err(Error::NoKey),
        }
    }

    /// The ssh-agent's socket, `SSH_AUTH_SOCK`.
    pub fn agent(&self) -> Option<PathBuf> {
        std::env::var_os("SSH_AUTH_SOCK")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    }

    /// The acting key's file: `--key`, else `CHARTER_KEY`, else git config
    /// `charter.key`.
    pub fn key_path(&self) -> Option<PathBuf> {
        self.key
            .clone()
            .or_else(|| {
                std::env::var_os("CHARTER_KEY")
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .or_else(|| charter::store::repo::config_path(&self.dir, "charter.key"))
    }

    /// After an act that set up `key` in `repo`: how to act without
    /// `--key`, unless git already names that key.
    pub fn key_hint(&self, repo: &std::path::Path, key: &std::path::Path) {
        let key = std::fs::canonicalize(key).unwrap_or_else(|_| key.to_path_buf());
        let configured = charter::store::repo::config_path(repo, "charter.key")
            .and_then(|c| std::fs::canonicalize(c).ok());
        if configured.as_deref() != Some(key.as_path()) {
            errln!(
                "hint: to act without --key: git -C {} config charter.key {}",
                repo.display(),
                key.display()
            );
        }
    }

    /// Opens the group, saying what it recovered from an interrupted
    /// command.
    pub fn group(&self) -> Result<charter::process::group::Group, Error> {
        let group = charter::process::group::Group::open(&self.dir)?;
        if let Some(recovery) = group.recovered() {
            errln!("note: {recovery}");
        }
        Ok(group)
    }

    /// Opens the group for an act: on a terminal, the act is shown and
    /// confirmed before it is signed (see [`act::ask_before_signing`]).
    pub fn group_to_act(&self) -> Result<charter::process::group::Group, Error> {
        let mut group = self.group()?;
        act::ask_before_signing(self, &mut group);
        Ok(group)
    }

    /// Opens the group for a listing: one that does not verify is still
    /// shown, after a warning (an act on it is refused).
    pub fn group_to_read(&self) -> Result<charter::process::group::Group, Error> {
        let group = self.group()?;
        if let Some(e) = group.unverified() {
            errln!("warning: this clone's history does not verify, so what follows may count records that would not: {e}"
            );
        }
        Ok(group)
    }
}

fn run(cli: Cli) -> CmdResult {
    let choice = match cli.color {
        Color::Auto => anstream::ColorChoice::Auto,
        Color::Always => anstream::ColorChoice::Always,
        Color::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let dir = match cli.directory {
        Some(d) => d,
        None => std::env::current_dir().map_err(|e| Error::io(".", e))?,
    };
    let ctx = Ctx {
        dir,
        key: cli.key,
        yes: cli.yes,
    };
    match cli.command {
        Command::Key(c) => key::run(&ctx, c),
        Command::Init(a) => init::run(&ctx, a),
        Command::Propose(c) => propose::run(&ctx, c),
        Command::Second(a) => act::run(&ctx, a, charter::model::act::Act::Second),
        Command::Accept(a) => act::run(&ctx, a, charter::model::act::Act::Accept),
        Command::Withdraw(a) => act::run(&ctx, a, charter::model::act::Act::Withdraw),
        Command::Object(a) => act::object(&ctx, a),
        Command::Finalize(a) => act::finalize(&ctx, a),
        Command::Principles(a) => principles::run(&ctx, a),
        Command::Text(a) => text::run(&ctx, a),
        Command::Status(a) => status::run(&ctx, a),
        Command::Todo(a) => todo::run(&ctx, a),
        Command::Show(a) => show::run(&ctx, a),
        Command::Verify(a) => verify::run(&ctx, a),
        Command::Review(c) => review::run(&ctx, c),
        Command::Sync(a) => sync::run(&ctx, a),
        Command::Log(a) => log::run(&ctx, a),
        Command::Report(a) => report::run(&ctx, a),
        Command::Publish(a) => publish::run(&ctx, a),
        Command::Diff(a) => diff::run(&ctx, a),
        Command::Apply(a) => apply::run(&ctx, a),
        Command::Members(a) => members::run(&ctx, a),
        Command::Leave(a) => leave::run(&ctx, a),
        Command::Demo(a) => demo::run(&ctx, a),
        Command::Completions(a) => completions::run(a),
        Command::Man(a) => completions::man(a),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn clap_tree_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
