//! `cargo xtask regen [--check] [PROVIDER...]`

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use xtask::{Mode, regen, workspace_root};

const USAGE: &str = "\
usage: cargo xtask regen [--check] [PROVIDER...]

  regen            regenerate crates/<provider>/src/generated.rs (the client) and
                   generated_mock.rs (typed httpmock mocks) from specs/<provider>.yaml
  regen PROVIDER   regenerate only the named providers
  regen --check    write nothing; exit 1 naming each generated file that is stale";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("regen") => {}
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    }
    let mut mode = Mode::Write;
    let mut names = Vec::new();
    for arg in &args[1..] {
        match arg.as_str() {
            "--check" => mode = Mode::Check,
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            flag if flag.starts_with('-') => {
                eprintln!("regen: unknown flag `{flag}`\n\n{USAGE}");
                return ExitCode::from(2);
            }
            name => names.push(name.to_owned()),
        }
    }

    let root = workspace_root();
    match regen(&root, &names, mode) {
        Ok(outcome) => {
            let ms = outcome.elapsed.as_millis();
            let noun = if outcome.crates == 1 {
                "crate"
            } else {
                "crates"
            };
            match mode {
                Mode::Check if !outcome.changed.is_empty() => {
                    for file in &outcome.changed {
                        eprintln!("regen --check: stale: {file} (in {})", root.display());
                    }
                    eprintln!("regen --check: run `cargo xtask regen` and commit the result");
                    ExitCode::FAILURE
                }
                Mode::Check => {
                    println!(
                        "regen --check: {} {noun} up to date in {} ({ms} ms)",
                        outcome.crates,
                        root.display()
                    );
                    ExitCode::SUCCESS
                }
                Mode::Write => {
                    for file in &outcome.changed {
                        println!("regen: wrote {file}");
                    }
                    println!(
                        "regen: {} {noun} in {} ({ms} ms)",
                        outcome.crates,
                        root.display()
                    );
                    ExitCode::SUCCESS
                }
            }
        }
        Err(e) => {
            eprintln!("regen: error: {e}");
            eprintln!("regen: no file was written");
            ExitCode::FAILURE
        }
    }
}
