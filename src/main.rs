//! The `charter` command line: parses arguments, calls the library, prints.

mod commands;

fn main() -> std::process::ExitCode {
    commands::main()
}
