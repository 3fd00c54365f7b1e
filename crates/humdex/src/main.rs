//! `humdex`, the node an agency runs: `serve` the API, `import` records, `extract` entities from
//! a text, add users, load the demo, verify the audit log.
//! Errors here are `anyhow` and end the command with a message; the libraries below keep theirs typed.

mod audit;
mod demo;
mod extract;
mod hash;
mod import;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use extract::AnalysisArgs;
use humdex_model::{Role, Username};
use humdex_server::{AppState, AuditKey, Clock, Config};
use humdex_store::{NewUser, Store};
use indicatif::{ProgressBar, ProgressStyle};
use jiff::Timestamp;

#[derive(Parser)]
#[command(
    name = "humdex",
    version,
    about = "Humdex: intelligence management against human trafficking"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the store lives.
#[derive(Args)]
struct StoreArgs {
    /// The data directory of the embedded store.
    #[arg(long, env = "HUMDEX_DATA", default_value = "humdex-data")]
    data: PathBuf,
    /// A database URL (postgres://… or sqlite://…) to use instead of the data directory.
    #[arg(long, env = "HUMDEX_DATABASE")]
    database: Option<String>,
}

impl StoreArgs {
    async fn open(&self) -> anyhow::Result<Store> {
        match &self.database {
            Some(url) => Store::open(url).await.context("cannot open the database"),
            None => Store::open_dir(&self.data)
                .await
                .with_context(|| format!("cannot open the data directory {}", self.data.display())),
        }
    }

    fn describe(&self) -> String {
        match &self.database {
            Some(url) if url.starts_with("postgres") => "PostgreSQL".to_owned(),
            Some(url) => url.clone(),
            None => format!("SQLite in {}", self.data.display()),
        }
    }
}

/// Where the search index is.
#[derive(Args)]
struct SearchIndexArgs {
    /// The directory of the search index, which is rebuilt from the journal when missing.
    /// Default: search-index in the data directory, or ./humdex-search-index with --database.
    #[arg(long, env = "HUMDEX_SEARCH_INDEX", value_name = "DIR")]
    search_index: Option<PathBuf>,
}

impl SearchIndexArgs {
    fn path(self, store: &StoreArgs) -> PathBuf {
        match (self.search_index, &store.database) {
            (Some(dir), _) => dir,
            (None, Some(_)) => PathBuf::from("humdex-search-index"),
            (None, None) => store.data.join("search-index"),
        }
    }
}

/// Where the audit signing key is.
#[derive(Args)]
struct AuditKeyArgs {
    /// The file of the ed25519 key that signs the audit log's checkpoints (64 hex digits), kept
    /// outside the database so that whoever can write the database cannot sign a doctored log.
    /// Default: audit-signing.key in the data directory, or ./humdex-audit.key with --database.
    /// `serve` creates it, mode 0600, on its first run; back it up apart from the database.
    #[arg(long, env = "HUMDEX_AUDIT_KEY", value_name = "PATH")]
    audit_key: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Serves the API.
    Serve {
        #[command(flatten)]
        store: StoreArgs,
        /// The address to listen on.
        #[arg(long, env = "HUMDEX_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Loads the demo dataset first (once; later runs keep it).
        #[arg(long)]
        demo: bool,
        /// The largest JSON body accepted, in bytes.
        #[arg(long, default_value_t = Config::default().max_body_bytes)]
        max_body_bytes: usize,
        /// The largest attachment accepted, in bytes.
        #[arg(long, default_value_t = Config::default().max_attachment_bytes)]
        max_attachment_bytes: usize,
        #[command(flatten)]
        audit_key: AuditKeyArgs,
        #[command(flatten)]
        analysis: AnalysisArgs,
        #[command(flatten)]
        search_index: SearchIndexArgs,
        /// Lets subscriptions' webhooks post to private, loopback and link-local addresses (an
        /// agency's internal systems); by default only public addresses are called.
        #[arg(long, env = "HUMDEX_WEBHOOK_PRIVATE_NETWORKS")]
        webhook_private_networks: bool,
        /// How many of a photo fingerprint's 256 bits may differ for two photos to count as
        /// copies (31 is ThreatExchange's threshold; up to 47 suits "suggest to an analyst").
        #[arg(long, env = "HUMDEX_IMAGE_MATCH_DISTANCE",
              default_value_t = humdex_imagehash::index::DEFAULT_MAX_DISTANCE,
              value_parser = clap::value_parser!(u32).range(0..=64))]
        image_match_distance: u32,
        /// A map tile server for the UI (`https://host/{z}/{x}/{y}.png`), drawn over the bundled
        /// offline basemap; its users' browsers must be able to reach it.
        #[arg(long, env = "HUMDEX_TILE_URL", value_name = "URL")]
        tile_url: Option<String>,
        /// The attribution the tile server's licence asks for, shown on the map.
        #[arg(
            long,
            env = "HUMDEX_TILE_ATTRIBUTION",
            default_value = "",
            requires = "tile_url"
        )]
        tile_attribution: String,
    },
    /// Rebuilds the search index from the journal. Stop the server first.
    Reindex {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        search_index: SearchIndexArgs,
    },
    /// Finds the entities (people, places, phones, wallets, weapons, …) and trafficking
    /// indicators in a text, and prints it colour-coded, or as JSON with --json.
    Extract {
        /// The text file; standard input when absent or `-`.
        input: Option<PathBuf>,
        /// Prints `{"entities": [...], "indicators": {...}}` instead.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        analysis: AnalysisArgs,
    },
    /// Loads the demo dataset: a few hundred fictional reports and requests, users and pools.
    Demo {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Imports files: emails (.eml, .mbox), PDFs, Word documents, spreadsheets and CSV (a
    /// record per row), photos, JSON and JSON Lines (a record per object or line), and text.
    /// Folders are read recursively, hidden files skipped. An email's attachments and a
    /// single-record file itself are attached to its record. A file imported before (same
    /// content) creates nothing again. A file that cannot be read fails alone, and is named on
    /// standard error with the reason.
    ///
    /// Exits 0 when every file was imported (or had been before), 2 when the batch ran but some
    /// files failed or records were refused, 1 when it could not run at all.
    Import {
        /// Files and folders to import.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
        /// The user the journal names as having taken the records in, with their clearance;
        /// a name that is no user imports with every defined authorization.
        #[arg(long = "actor", visible_alias = "as", default_value = "import")]
        actor: String,
        /// A JSON file saying which spreadsheet and CSV columns hold what; guessed from the
        /// header row when absent.
        #[arg(long, value_name = "FILE.json")]
        mapping: Option<PathBuf>,
        /// An access expression put on every record imported, such as `LE&VICTIM_PII`.
        #[arg(long, value_name = "EXPR")]
        label: Option<humdex_model::Label>,
    },
    /// Prints the PDQ fingerprint of each photo: hex hash and quality (0–100; under 50 a photo
    /// is never matched), and a second line when cutting uniform borders changes the hash.
    /// Exits 2 if some file could not be hashed.
    Hash {
        /// JPEG, PNG, WebP, GIF, TIFF or BMP files.
        #[arg(required = true, value_name = "IMAGE")]
        images: Vec<PathBuf>,
        /// Prints a JSON object per image, with the 8 dihedral hashes (rotations and mirrors).
        #[arg(long)]
        json: bool,
    },
    /// Manages hash lists: hashes of known images (from a partner, a clearing house) that
    /// raise an alert on every record whose photo matches.
    HashList {
        #[command(subcommand)]
        command: HashListCommand,
    },
    /// Manages users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Checks the tamper-evident audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum HashListCommand {
    /// Imports a file of PDQ hashes, one per line (first column; `#` comments and a header line
    /// are skipped), as list NAME. The photos stored already are matched against it too.
    Import {
        /// The list's name, e.g. the partner it came from.
        name: String,
        /// The file of hashes.
        file: PathBuf,
        /// Photos within this many bits (of 256) of a listed hash match.
        #[arg(long, default_value_t = humdex_imagehash::index::DEFAULT_MAX_DISTANCE,
              value_parser = clap::value_parser!(u32).range(0..=64))]
        max_distance: u32,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Lists the hash lists.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Replays the whole audit log: checks every entry against its stored hash and every signed
    /// checkpoint against the entries, with the key file's public key. Exits 1 naming the first
    /// thing wrong, such as an entry that was changed or entries that were removed.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        audit_key: AuditKeyArgs,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Adds a user.
    Add {
        /// The login name.
        name: Username,
        /// admin, supervisor, analyst, caseworker or partner.
        #[arg(long)]
        role: Role,
        /// Reads the password from standard input (its first line).
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Authorizations to issue, comma-separated.
        #[arg(long, value_delimiter = ',')]
        authorizations: Vec<String>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Disables a user: they cannot sign in, and their sessions and API tokens stop working.
    Disable {
        /// The login name.
        name: Username,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Enables a disabled user again.
    Enable {
        /// The login name.
        name: Username,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Sets a user's password (at least 12 characters) and ends their sessions.
    ResetPassword {
        /// The login name.
        name: Username,
        /// Reads the password from standard input (its first line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[expect(
    clippy::disallowed_methods,
    reason = "the command line is where real time enters"
)]
fn now() -> Timestamp {
    Timestamp::now()
}

fn progress_bar(length: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(length);
    let template =
        format!("{{spinner}} {what} [{{bar:40}}] {{pos}}/{{len}} ({{per_sec}}, {{eta}} left)");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

async fn load_demo(store: &Store) -> anyhow::Result<()> {
    let hash = humdex_server::auth::hash_password(demo::DEMO_PASSWORD)?;
    let bar = progress_bar(0, "loading the demo");
    let summary = demo::load(store, &hash, now(), |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    })
    .await?;
    bar.finish_and_clear();
    if summary.records == 0 {
        println!("The demo dataset is loaded already.");
    } else {
        println!(
            "Loaded the demo: {} users, {} records.",
            summary.users, summary.records
        );
    }
    println!(
        "Demo users: admin, supervisor, analyst, caseworker, partner; password: {}",
        demo::DEMO_PASSWORD
    );
    Ok(())
}

/// The node's audit signing key, created on the first run, after checking that the database's
/// log is signed by it.
async fn audit_key(store: &Store, path: &std::path::Path) -> anyhow::Result<AuditKey> {
    let (key, created) = audit::load_or_create_key(path)?;
    if created {
        eprintln!(
            "Created the audit signing key {}: back it up, apart from the database.",
            path.display()
        );
    }
    let public_key = key.verifying_key();
    let recorded = store.record_audit_public_key(&public_key).await?;
    if recorded != public_key {
        bail!(
            "this database's audit log is signed with another key than {}'s (public key {}); \
             name that key's file with --audit-key",
            path.display(),
            hex::encode(recorded.as_bytes())
        );
    }
    Ok(AuditKey::new(key))
}

async fn serve(
    store_args: StoreArgs,
    listen: SocketAddr,
    with_demo: bool,
    audit_key_path: PathBuf,
    mut config: Config,
) -> anyhow::Result<()> {
    let store = store_args.open().await?;
    config.audit_key = audit_key(&store, &audit_key_path).await?;
    if with_demo {
        load_demo(&store).await?;
    }
    let clock: Clock = Arc::new(now);
    let state = AppState::new(store, config, clock)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    println!(
        "Humdex is listening on http://{address} ({})",
        store_args.describe()
    );
    // The connection's address is what sign-in failures and rate limits are counted under.
    let app = humdex_server::app(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

/// The first line of standard input, a password of at least `min_chars` characters.
fn read_password(min_chars: usize) -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin()
        .read_line(&mut password)
        .context("cannot read the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']);
    if password.chars().count() < min_chars {
        bail!("a password has at least {min_chars} characters");
    }
    Ok(password.to_owned())
}

async fn add_user(
    store: &StoreArgs,
    name: Username,
    role: Role,
    authorizations: Vec<String>,
) -> anyhow::Result<()> {
    let password = read_password(8)?;
    let password_hash = humdex_server::auth::hash_password(&password)?;
    let store = store.open().await?;
    // An admin at the command line grants what they name: undefined authorizations get defined.
    for authorization in &authorizations {
        store
            .define_authorization("cli", authorization, "issued at the command line", now())
            .await?;
    }
    let user = NewUser {
        username: name.clone(),
        role,
        password_hash,
        authorizations,
    };
    store.add_user("cli", user, now()).await?;
    println!("Added {role} {name}.");
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            store,
            listen,
            demo,
            max_body_bytes,
            max_attachment_bytes,
            audit_key,
            analysis,
            search_index,
            webhook_private_networks,
            image_match_distance,
            tile_url,
            tile_attribution,
        } => {
            let tile_server = tile_url
                .map(|url| humdex_server::TileServer::new(&url, &tile_attribution))
                .transpose()
                .map_err(anyhow::Error::msg)?;
            let audit_key_path = audit::key_path(&store, audit_key.audit_key);
            let search_index = search_index.path(&store);
            serve(
                store,
                listen,
                demo,
                audit_key_path,
                Config {
                    max_body_bytes,
                    max_attachment_bytes,
                    phone_region: Some(analysis.region()?),
                    indicator_lexicon: analysis.lexicon_source()?,
                    search_index: Some(search_index),
                    webhook_private_networks,
                    image_match_distance,
                    tile_server,
                    ..Config::default()
                },
            )
            .await?;
        }
        Command::Extract {
            input,
            json,
            analysis,
        } => extract::run(input.as_deref(), json, &analysis)?,
        Command::Reindex {
            store,
            search_index,
        } => {
            let dir = search_index.path(&store);
            let store = store.open().await?;
            let bar = progress_bar(0, "indexing");
            let done = humdex_server::reindex(&store, &dir, |done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .await
            .with_context(|| format!("cannot rebuild the search index in {}", dir.display()))?;
            bar.finish_and_clear();
            println!("Indexed {} records in {}.", done.records, dir.display());
            if done.unanalysed > 0 {
                println!(
                    "{} of them await text analysis; the server adds their entities when it has analysed them.",
                    done.unanalysed
                );
            }
        }
        Command::Demo { store } => load_demo(&store.open().await?).await?,
        Command::Import {
            paths,
            store,
            actor,
            mapping,
            label,
        } => {
            let store = store.open().await?;
            let clock: Clock = Arc::new(now);
            let job =
                import::import(&store, &paths, &actor, mapping.as_deref(), label, clock).await?;
            println!("{}", import::summary(&job));
            if job.counts.files_failed > 0 || job.counts.records_rejected > 0 {
                return Ok(ExitCode::from(2));
            }
        }
        Command::Hash { images, json } => {
            if hash::hash(&images, json) > 0 {
                return Ok(ExitCode::from(2));
            }
        }
        Command::HashList {
            command:
                HashListCommand::Import {
                    name,
                    file,
                    max_distance,
                    store,
                },
        } => hash::import_list(&store.open().await?, &name, &file, max_distance, now()).await?,
        Command::HashList {
            command: HashListCommand::List { store },
        } => hash::print_lists(&store.open().await?).await?,
        Command::User {
            command:
                UserCommand::Add {
                    name,
                    role,
                    password_stdin: _,
                    authorizations,
                    store,
                },
        } => {
            add_user(&store, name, role, authorizations).await?;
        }
        Command::User {
            command: UserCommand::Disable { name, store },
        } => {
            let changed = store
                .open()
                .await?
                .set_disabled("cli", name.as_str(), true, now())
                .await
                .with_context(|| format!("cannot disable {name}"))?;
            println!(
                "{name} {}.",
                if changed {
                    "is disabled"
                } else {
                    "was disabled already"
                }
            );
        }
        Command::User {
            command: UserCommand::Enable { name, store },
        } => {
            let changed = store
                .open()
                .await?
                .set_disabled("cli", name.as_str(), false, now())
                .await
                .with_context(|| format!("cannot enable {name}"))?;
            println!(
                "{name} {}.",
                if changed {
                    "is enabled"
                } else {
                    "was enabled already"
                }
            );
        }
        Command::User {
            command:
                UserCommand::ResetPassword {
                    name,
                    password_stdin: _,
                    store,
                },
        } => {
            let password = read_password(12)?;
            let hash = humdex_server::auth::hash_password(&password)?;
            store
                .open()
                .await?
                .set_password("cli", name.as_str(), hash, None, now())
                .await
                .with_context(|| format!("cannot set the password of {name}"))?;
            println!("Set the password of {name} and ended their sessions.");
        }
        Command::Audit {
            command: AuditCommand::Verify { store, audit_key },
        } => {
            let key_path = audit::key_path(&store, audit_key.audit_key);
            audit::verify(&store.open().await?, &key_path).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "humdex=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    match run(Cli::parse()).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("humdex: {error:#}");
            ExitCode::FAILURE
        }
    }
}
