//! A scripted user at a terminal, for testing command-line flows (the provider crates'
//! examples): the program reads its stdin and writes its stdout through in-memory pipes, and
//! each line it prints may be answered, e.g. an authorization URL with the redirect the fake's
//! consent step gives.

use std::future::Future;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};

/// Runs `program` with a piped stdin and stdout; every line it prints goes to `answer`, and a
/// `Some(reply)` is typed on its stdin (a newline added). Returns the program's result and
/// everything it printed, lines joined with `\n`. The program ends by itself: dropping its
/// stdout ends the conversation.
///
/// # Panics
/// When a pipe fails (in-memory pipes fail only if the other side is gone: a test fixture).
pub async fn converse<F, Fut>(
    program: F,
    mut answer: impl FnMut(&str) -> Option<String>,
) -> (Fut::Output, String)
where
    F: FnOnce(BufReader<DuplexStream>, DuplexStream) -> Fut,
    Fut: Future,
{
    let (mut to_stdin, stdin) = tokio::io::duplex(4096);
    let (stdout, from_stdout) = tokio::io::duplex(4096);
    let user = async {
        let mut lines = BufReader::new(from_stdout).lines();
        let mut seen = Vec::new();
        while let Some(line) = lines.next_line().await.expect("read the program's stdout") {
            if let Some(reply) = answer(&line) {
                to_stdin
                    .write_all(format!("{reply}\n").as_bytes())
                    .await
                    .expect("write the program's stdin");
            }
            seen.push(line);
        }
        seen.join("\n")
    };
    tokio::join!(program(BufReader::new(stdin), stdout), user)
}
