use clap::Parser;
use std::process::ExitCode;

/// jemalloc for the whole process, SQLite's own allocations included: an import
/// makes and drops several small strings per field of every row on three threads
/// at once, and with the system allocator spent about a quarter of its time in
/// malloc and free (docs/architecture.md, "The allocator").
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = leadline::cli::Cli::parse();
    leadline::telemetry::init(cli.command.is_server());
    quiet_when_the_reader_goes();
    match leadline::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if closed_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether an error is the end of the pipe standard output goes to
/// (`leadline export leads … | head`): what was asked for has been read.
fn closed_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

/// A command's output piped into a reader that stops early (`leadline import list | head`)
/// ends the command quietly, as other Unix tools do, instead of with a panic's message.
fn quiet_when_the_reader_goes() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
