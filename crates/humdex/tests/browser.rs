//! The browser UI end to end in headless Chromium: the whole loop from intake to archive,
//! entities highlighted, search, a live notification, the link chart, the map, withheld fields,
//! the admin screens and accessibility. A test binary of its own, so that it runs after the
//! others rather than beside them: a browser and a node on a two-core machine are load enough.

use std::path::Path;
use std::process::Command;

use humdex_testkit::TestDatabase;

use crate::support::Server;

/// The same node in a child process as the `it` tests use; this binary needs only some of it.
#[allow(dead_code, reason = "shared with the `it` tests, which use the rest")]
#[expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test support fails the test loudly"
)]
#[path = "it/support.rs"]
mod support;

/// The browser tests in `web/tests` (node:test with playwright-core driving Debian's Chromium),
/// run against `humdex serve --demo`. They need Debian's `/usr/bin/chromium` (`.ci/run` installs
/// it) and the packages of `web/package-lock.json`, installed here when missing; the screenshots
/// they take land in `target/screenshots`.
#[tokio::test]
async fn the_ui_works_in_a_real_browser() {
    // The UI talks to the API alone, which the other tests run on every backend.
    let database = TestDatabase::sqlite();
    let server = Server::start_with(&database, &["--demo"]);
    // From a node that has analysed its demo: a new record's entities then come in seconds,
    // however busy the machine running the other tests.
    server.settled(&reqwest::Client::new()).await;
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let web = root.join("web");
    if !web.join("node_modules/playwright-core").is_dir() {
        let installed = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&web)
            .status();
        assert!(
            installed.is_ok_and(|status| status.success()),
            "`npm ci` in web/ failed: the browser tests need playwright-core"
        );
    }
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "the browser tests drive Debian's Chromium: apt-get install chromium"
    );
    let screenshots = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| root.join("target"), Into::into)
        .join("screenshots");
    let status = Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/"])
        .current_dir(&web)
        .env("HUMDEX_URL", &server.base)
        .env("HUMDEX_SCREENSHOTS", &screenshots)
        .status();
    match status {
        Ok(status) => assert!(status.success(), "the browser tests failed ({status})"),
        Err(error) => panic!("cannot run node for the browser tests: {error}"),
    }
}
