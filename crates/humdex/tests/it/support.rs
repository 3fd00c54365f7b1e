use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use humdex_testkit::TestDatabase;
use serde_json::{Value, json};

pub const PASSWORD: &str = "kill-test-password";

/// The arguments that point the CLI at a test database.
pub fn store_args(database: &TestDatabase) -> Vec<String> {
    match database.backend {
        "sqlite" => vec!["--data".into(), database.dir.path().display().to_string()],
        _ => vec!["--database".into(), database.url.clone()],
    }
}

/// The audit signing key of a test database's node, in its temporary folder: with `--database`,
/// the default would be the working directory.
pub fn audit_key(database: &TestDatabase) -> String {
    database
        .dir
        .path()
        .join("audit-signing.key")
        .display()
        .to_string()
}

/// The search index of a test database's node, in its temporary folder, for the same reason.
pub fn search_index(database: &TestDatabase) -> String {
    database
        .dir
        .path()
        .join("search-index")
        .display()
        .to_string()
}

pub fn humdex(args: &[&str], database: &TestDatabase, stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_humdex"))
        .args(args)
        .args(store_args(database))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let written = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    // A command that refuses its arguments exits before reading its input; the pipe is then
    // closed, which is no failure of the test.
    if let Err(error) = written {
        assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{error}");
    }
    child.wait_with_output().unwrap()
}

pub fn add_user(database: &TestDatabase, name: &str, role: &str) {
    let output = humdex(
        &["user", "add", name, "--role", role, "--password-stdin"],
        database,
        &format!("{PASSWORD}\n"),
    );
    assert!(
        output.status.success(),
        "{}: user add: {}",
        database.backend,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A `humdex serve` in a child process on a free port.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    pub fn start(database: &TestDatabase) -> Self {
        Self::start_with(database, &[])
    }

    /// A server started with `extra` arguments besides the test database's.
    pub fn start_with(database: &TestDatabase, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_humdex"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .args(store_args(database))
            .args(["--audit-key", &audit_key(database)])
            .args(["--search-index", &search_index(database)])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The address line comes once the node is ready, after any lines about loading.
        let mut output = BufReader::new(child.stdout.take().unwrap());
        let mut lines = String::new();
        let address = loop {
            let mut line = String::new();
            let read = output.read_line(&mut line).unwrap();
            lines.push_str(&line);
            if let Some(address) = line
                .split_whitespace()
                .find(|word| word.starts_with("http://"))
            {
                break address.to_owned();
            }
            assert!(read > 0, "{}: no address in {lines:?}", database.backend);
        };
        Self {
            child,
            base: address,
        }
    }

    /// Waits until every projection has read the whole journal (the demo is loaded before the
    /// server answers, so the head no longer moves).
    pub async fn settled(&self, client: &reqwest::Client) {
        for _ in 0..3000 {
            let health: Value = client
                .get(format!("{}/health", self.base))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if health["projections"]
                .as_array()
                .unwrap()
                .iter()
                .all(|projection| projection["lag"] == 0)
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("the projections did not catch up");
    }

    pub async fn login(&self, client: &reqwest::Client, username: &str) -> String {
        self.login_with(client, username, PASSWORD).await
    }

    pub async fn login_with(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> String {
        let reply: Value = client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        reply["token"]
            .as_str()
            .unwrap_or_else(|| panic!("login failed: {reply}"))
            .to_owned()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
