//! `leadline suppression import|add|remove|check`: the do-not-call list from the command line.

use crate::{
    app::{Actor, suppression},
    import::command::importer,
    store::Db,
};
use anyhow::Context;
use clap::Subcommand;
use std::{io::BufReader, path::PathBuf, time::Instant};

#[derive(Subcommand, Debug)]
pub enum SuppressionCommand {
    /// Import a registry file: one number per line or CSV, any format (read with the
    /// organization's region when a number has no country code).
    Import {
        file: PathBuf,
        #[arg(long)]
        org: String,
        /// The user recorded as adding the numbers (default: the first admin).
        #[arg(long = "as")]
        as_user: Option<String>,
    },
    /// Add one number.
    Add {
        number: String,
        #[arg(long)]
        org: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Remove one number (recorded in the audit log).
    Remove {
        number: String,
        #[arg(long)]
        org: String,
    },
    /// Say whether a number is on the list.
    Check {
        number: String,
        #[arg(long)]
        org: String,
    },
}

async fn actor(db: &Db, org: &str, as_user: Option<&str>) -> anyhow::Result<Actor> {
    let org = crate::cli::find_org(db, org).await?;
    let user = importer(db, &org, as_user).await?.context("the organization has no active user to act as")?;
    Ok(Actor { user, org })
}

pub async fn run(command: SuppressionCommand, db: &Db) -> anyhow::Result<()> {
    let err = |e: crate::app::AppError| anyhow::anyhow!("{e}");
    match command {
        SuppressionCommand::Import { file, org, as_user } => {
            let actor = actor(db, &org, as_user.as_deref()).await?;
            let f = std::fs::File::open(&file).with_context(|| format!("opening {}", file.display()))?;
            let started = Instant::now();
            let counts =
                suppression::import(db, &actor, BufReader::with_capacity(1 << 20, f), "registry").await.map_err(err)?;
            println!("Read {} ({:.1} s).", counts.summary(), started.elapsed().as_secs_f64());
        }
        SuppressionCommand::Add { number, org, reason } => {
            let actor = actor(db, &org, None).await?;
            let input = suppression::NewSuppression { number: Some(number), reason };
            let s = suppression::add(db, &actor, input).await.map_err(err)?;
            println!("{} is on the do-not-call list.", s.number);
        }
        SuppressionCommand::Remove { number, org } => {
            let actor = actor(db, &org, None).await?;
            let s = suppression::remove(db, &actor, &number).await.map_err(err)?;
            println!("{} removed from the do-not-call list.", s.number);
        }
        SuppressionCommand::Check { number, org } => {
            let actor = actor(db, &org, None).await?;
            match suppression::find(db, &actor, &number).await.map_err(err)? {
                Some(s) => println!(
                    "{} is on the list (source {}, since {}).",
                    s.number,
                    s.source,
                    s.created_at.format("%Y-%m-%d")
                ),
                None => println!("{number} is not on the list."),
            }
        }
    }
    Ok(())
}
