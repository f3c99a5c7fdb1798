use clap::Parser;

// Two workers whatever the machine: a runner is one pass loop and its lease keeper, mostly
// waiting on Reddit and the database. One worker per core (tokio's default) bought nothing
// but a malloc arena per thread, each megabytes of resident memory on a large machine.
#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let cli = appealmod_bot::cli::Cli::parse();
    std::process::exit(appealmod_bot::cli::main_with(cli).await);
}
