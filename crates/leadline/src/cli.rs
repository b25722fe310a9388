//! The command line: `leadline serve | demo | migrate | org | user | token | import | export | bench`.

use crate::{
    app::{self, AppError, audit::By},
    store::{self, Db},
    web,
};
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::{io::Read, net::SocketAddr};

#[derive(Parser, Debug)]
#[command(name = "leadline", version, about = "Leadline: the inside-sales platform in one binary")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct DbArgs {
    /// Database URL: sqlite://FILE (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, env = "LEADLINE_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
}

impl DbArgs {
    fn url(&self, default: &str) -> String {
        self.database_url.clone().unwrap_or_else(|| default.to_owned())
    }
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LEADLINE_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (web application and API). Migrations run first.
    Serve {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Run the server on a demo database (sqlite://leadline-demo.db), seeding it on first run.
    Demo {
        #[command(flatten)]
        db: DbArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// Bring the database schema up to date.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Manage organizations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Import leads, products, opportunities or users from CSV; list, report on and undo imports.
    Import {
        #[command(subcommand)]
        command: crate::import::command::ImportCommand,
        #[command(flatten)]
        db: DbArgs,
    },
    /// The do-not-call list: import a registry file, add, remove or check numbers.
    Suppression {
        #[command(subcommand)]
        command: crate::suppression_cli::SuppressionCommand,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Export leads with their contacts as CSV.
    Export {
        #[command(subcommand)]
        command: crate::import::command::ExportCommand,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Measure list, search and lead-page latency over HTTP on a database of N leads.
    Bench(crate::bench::BenchArgs),
    /// Measure an import of a generated N-row file against a plain insert of the same rows.
    BenchImport(crate::bench_import::BenchImportArgs),
    /// Measure the dialer: N reps asking for their next lead in a campaign of the bench leads.
    BenchDialer(crate::bench_dialer::BenchDialerArgs),
    /// Write a realistic lead file (mixed countries and phone formats, ~5% duplicates, ~1% bad rows).
    Generate {
        /// Data rows to write.
        #[arg(long, default_value_t = 10_000)]
        rows: usize,
        /// The same seed gives the same file.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Where to write (default: standard output).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

impl Command {
    /// Whether the command runs the server.
    #[must_use]
    pub fn is_server(&self) -> bool {
        matches!(self, Command::Serve { .. } | Command::Demo { .. })
    }
}

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Create an organization.
    Create {
        name: String,
        /// Region (ISO 3166 code) for phone numbers written in local form.
        #[arg(long, default_value = "US")]
        default_region: String,
        /// IANA time zone of the office (default: the region's main zone).
        #[arg(long)]
        time_zone: Option<String>,
    },
    /// List organizations.
    List,
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, manager, inside_rep or field_rep.
        #[arg(long)]
        role: String,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the users of an organization.
    List {
        #[arg(long)]
        org: String,
    },
    /// Set a user's password, read from standard input (first line); signs them out.
    SetPassword {
        #[arg(long)]
        email: String,
        /// Read the password from standard input (first line).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for a user and print it (it is shown only once).
    Create {
        #[arg(long)]
        email: String,
        /// A label to recognise the token by.
        #[arg(long)]
        name: Option<String>,
    },
}

const DEFAULT_DB: &str = "sqlite://leadline.db";
pub const DEMO_DB: &str = "sqlite://leadline-demo.db";

async fn open(url: &str) -> anyhow::Result<Db> {
    let db = Db::connect(url).await?;
    db.migrate().await?;
    Ok(db)
}

/// Runs one command. Errors are returned for `main` to print.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { db, serve } => {
            let url = db.url(DEFAULT_DB);
            let db = open(&url).await?;
            tracing::info!(database = %store::redact(&url), "database ready");
            println!("Leadline is running on http://{}", serve.listen);
            web::serve(db, serve.listen).await
        }
        Command::Demo { db, serve } => {
            let url = db.url(DEMO_DB);
            let db = open(&url).await?;
            let summary = crate::demo::seed(&db).await?;
            println!("{summary}");
            println!("Leadline demo is running on http://{}", serve.listen);
            println!("Log in as any of the users above with the password '{}'.", crate::demo::PASSWORD);
            web::serve(db, serve.listen).await
        }
        Command::Migrate { db } => {
            let url = db.url(DEFAULT_DB);
            open(&url).await?;
            println!("Database {} is up to date.", store::redact(&url));
            Ok(())
        }
        Command::Org { command, db } => org(command, &open(&db.url(DEFAULT_DB)).await?).await,
        Command::User { command, db } => user(command, &open(&db.url(DEFAULT_DB)).await?).await,
        Command::Token { command: TokenCommand::Create { email, name }, db } => {
            let db = open(&db.url(DEFAULT_DB)).await?;
            let token = app::auth::create_token(&db, &email, name.as_deref().unwrap_or("")).await.map_err(explain)?;
            eprintln!("API token for {email} (shown only once; send it as 'Authorization: Bearer <token>'):");
            println!("{token}");
            Ok(())
        }
        Command::Import { command, db } => {
            crate::import::command::import(command, &open(&db.url(DEFAULT_DB)).await?).await
        }
        Command::Suppression { command, db } => {
            crate::suppression_cli::run(command, &open(&db.url(DEFAULT_DB)).await?).await
        }
        Command::Export { command, db } => {
            crate::import::command::export(command, &open(&db.url(DEFAULT_DB)).await?).await
        }
        Command::Bench(args) => crate::bench::run(args).await,
        Command::BenchImport(args) => crate::bench_import::run(args).await,
        Command::BenchDialer(args) => crate::bench_dialer::run(args).await,
        Command::Generate { rows, seed, out } => {
            let mut w: Box<dyn std::io::Write> = match out {
                Some(p) => Box::new(std::fs::File::create(&p).with_context(|| format!("creating {}", p.display()))?),
                None => Box::new(std::io::stdout().lock()),
            };
            let mut w = std::io::BufWriter::new(&mut w);
            crate::import::generate::write_leads(&mut w, rows, seed)?;
            std::io::Write::flush(&mut w)?;
            Ok(())
        }
    }
}

async fn org(command: OrgCommand, db: &Db) -> anyhow::Result<()> {
    match command {
        OrgCommand::Create { name, default_region, time_zone } => {
            let zone = time_zone.unwrap_or_else(|| app::orgs::default_zone(&default_region));
            let org = app::orgs::create(db, &name, &default_region, &zone).await.map_err(explain)?;
            println!(
                "Created organization '{}' (region {}, time zone {}), id {}",
                org.name, org.default_region, org.time_zone, org.id
            );
            Ok(())
        }
        OrgCommand::List => {
            let mut tx = db.read().await?;
            let orgs = store::orgs::list(&mut tx).await?;
            tx.commit().await?;
            for o in orgs {
                println!("{}\t{}\t{}\t{}", o.id, o.name, o.default_region, o.time_zone);
            }
            Ok(())
        }
    }
}

async fn user(command: UserCommand, db: &Db) -> anyhow::Result<()> {
    match command {
        UserCommand::Create { org, email, name, role, password_stdin: _ } => {
            let org = find_org(db, &org).await?;
            let password = password_from_stdin()?;
            let input = app::users::NewUser {
                email: Some(email),
                name: Some(name),
                role: Some(role),
                password: Some(password),
            };
            let by = By { org: org.id, user_id: None, name: "command line" };
            let user = app::users::create(db, &org, by, &input).await.map_err(explain)?;
            println!(
                "Created {} <{}> ({}) in '{}', id {}",
                user.name,
                user.email,
                user.role.as_str(),
                org.name,
                user.id
            );
            Ok(())
        }
        UserCommand::SetPassword { email, password_stdin: _ } => {
            let password = password_from_stdin()?;
            let by = By { org: uuid::Uuid::nil(), user_id: None, name: "command line" };
            let user = app::users::set_password(db, by, &email, &password).await.map_err(|e| match e {
                AppError::NotFound(_) => anyhow::anyhow!("no user with the e-mail {email}"),
                other => explain(other),
            })?;
            println!("Set the password of {} <{}>; their sessions were ended", user.name, user.email);
            Ok(())
        }
        UserCommand::List { org } => {
            let org = find_org(db, &org).await?;
            let users = app::users::list(db, org.id).await.map_err(explain)?;
            println!("{:<38} {:<32} {:<11} {:<7} NAME", "ID", "EMAIL", "ROLE", "ACTIVE");
            for u in users {
                println!(
                    "{:<38} {:<32} {:<11} {:<7} {}",
                    u.id.to_string(),
                    u.email,
                    u.role.as_str(),
                    if u.active { "yes" } else { "no" },
                    u.name
                );
            }
            Ok(())
        }
    }
}

/// The first line of standard input.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).context("reading the password from standard input")?;
    Ok(password.lines().next().unwrap_or("").to_owned())
}

/// The organization named (or given by id) on the command line.
pub(crate) async fn find_org(db: &Db, name: &str) -> anyhow::Result<store::orgs::Org> {
    app::orgs::by_name(db, name).await.map_err(|e| match e {
        AppError::NotFound(_) => anyhow::anyhow!("no organization named '{name}' (see `leadline org list`)"),
        other => explain(other),
    })
}

/// An application error as a message for the terminal.
fn explain(e: AppError) -> anyhow::Error {
    match e {
        AppError::Validation(errors) => {
            let lines: Vec<String> =
                errors.iter().map(|e| format!("  {}: {}", e.field.replace('_', "-"), e.message)).collect();
            anyhow::anyhow!("invalid input:\n{}", lines.join("\n"))
        }
        AppError::NotFound(what) => anyhow::anyhow!("no such {what}"),
        AppError::Internal(e) => e,
        other => anyhow::anyhow!("{other}"),
    }
}
