use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = appealmod_bot::cli::Cli::parse();
    std::process::exit(appealmod_bot::cli::main_with(cli).await);
}
