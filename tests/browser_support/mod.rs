//! What the browser test needs around the browser: the real `fmd web` binary on a copy of FMD 5.1.0's sample
//! database, Debian's `chromium` driven through `chromedriver` (WebDriver, loopback only), the browser's
//! console log, page probes and screenshots.
//!
//! Without chromium or chromedriver the tests say why and pass, unless `FMD_BROWSER_TESTS` is set (as
//! `.ci/run` does): then a missing browser is a failure.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};

/// The instant FMD computed the fixture's expected answers at.
pub const FIXTURE_NOW: &str = "2026-11-27T22:56:55Z";
/// The admin Python FMD made in the fixture (Werkzeug's pbkdf2: logging in proves fmd reads FMD's hashes).
pub const FMD_ADMIN: (&str, &str) = ("admin", "oracle-pass");
/// The guest each test adds to its copy.
pub const GUEST: (&str, &str) = ("visitor", "guest-password-1");
/// The browser's window.
pub const WINDOW: (u32, u32) = (1400, 900);

/// One browser at a time: the machine has two cores, and chromium takes them.
static ONE_BROWSER: Mutex<()> = Mutex::new(());

/// Runs `scenario` with a browser on a fresh server, or says why it cannot (see the module docs). The
/// browser is closed and both processes are ended whether the scenario passes or panics.
pub fn with_browser<F, Fut>(name: &str, scenario: F)
where
    F: FnOnce(Browser, Server) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let Some(tools) = Tools::find() else { return };
    let _one = ONE_BROWSER.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let started = Instant::now();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime");
    runtime.block_on(async move {
        let server = Server::start();
        let driver = Driver::start(&tools);
        let profile = tempfile::tempdir().expect("a profile dir");
        let browser = Browser::connect(&tools, &driver, profile.path(), &server).await;
        let client = browser.client.clone();
        let outcome = tokio::spawn(scenario(browser, server)).await;
        // Closing the session ends chromium; then chromedriver goes, then the profile.
        let _ = client.close().await;
        drop(driver);
        drop(profile);
        if let Err(e) = outcome {
            if e.is_panic() {
                std::panic::resume_unwind(e.into_panic());
            }
            panic!("{name}: {e}");
        }
    });
    eprintln!("{name}: {:.1} s in the browser", started.elapsed().as_secs_f64());
}

/// Prints `text` on the test process's standard error, past the test harness's capture (so that a skipped
/// browser or a page not written yet shows in a passing run).
pub fn note(text: &str) {
    let _ = writeln!(std::io::stderr(), "note: {text}");
}

/// Where chromium and chromedriver are.
pub struct Tools {
    chromium: PathBuf,
    chromedriver: PathBuf,
}

impl Tools {
    /// Both tools, or `None` (with a note) when one is missing and `FMD_BROWSER_TESTS` is not set.
    fn find() -> Option<Tools> {
        // A path given in the environment is taken as it is (a wrong one counts as missing).
        let given = |var: &str| std::env::var_os(var).map(|p| Some(PathBuf::from(p)).filter(|p| p.is_file()));
        let chromium =
            given("FMD_CHROMIUM").unwrap_or_else(|| ["chromium", "chromium-browser"].iter().find_map(|n| on_path(n)));
        let chromedriver = given("FMD_CHROMEDRIVER").unwrap_or_else(|| on_path("chromedriver"));
        match (chromium, chromedriver) {
            (Some(chromium), Some(chromedriver)) => Some(Tools { chromium, chromedriver }),
            (chromium, driver) => {
                let missing = [(chromium.is_none(), "chromium"), (driver.is_none(), "chromedriver")]
                    .iter()
                    .filter(|(gone, _)| *gone)
                    .map(|(_, n)| *n)
                    .collect::<Vec<_>>()
                    .join(" and ");
                let why = format!(
                    "{missing} not found on PATH (Debian: apt-get install chromium chromium-driver; or set \
                     FMD_CHROMIUM / FMD_CHROMEDRIVER)"
                );
                if std::env::var_os("FMD_BROWSER_TESTS").is_some() {
                    panic!("FMD_BROWSER_TESTS is set but {why}");
                }
                note(&format!("skipping the browser test: {why}"));
                None
            }
        }
    }
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// A port nobody listens on now (chromedriver takes a port number, not port 0).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// A child process ended when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `fmd web` on its own copy of the fixture, with the fixture's clock and zone.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The copy the server reads (the test may write it too, as a monitored service would).
    pub db: PathBuf,
    /// Where screenshots go.
    pub shots: PathBuf,
    _process: Killed,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Copies the fixture, adds [`GUEST`], starts `fmd web --listen 127.0.0.1:0` and waits for its address.
    fn start() -> Server {
        let dir = tempfile::tempdir().expect("a temp dir");
        let db = dir.path().join("fmd.db");
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(root.join("fixtures/fmd-5.1.0-sample.db"), &db).expect("copy the fixture");
        let editor = fmd_core::Store::open_editor(&db, None).expect("open the copy");
        let hash = fmd_core::password::hash(GUEST.1, fmd_core::password::Scheme::Argon2id).expect("hash");
        editor.add_user(GUEST.0, &hash, false).expect("add the guest");
        drop(editor);
        // FMD_BROWSER_FMD drives another build of fmd (a release build, say) instead of this test's.
        let fmd =
            std::env::var_os("FMD_BROWSER_FMD").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_fmd")), PathBuf::from);
        let mut child = Command::new(fmd)
            .args(["--db"])
            .arg(&db)
            .args(["--now", FIXTURE_NOW, "--tz", "UTC", "web", "--listen", "127.0.0.1:0"])
            .current_dir(dir.path())
            .env_remove("FMD_CONFIG")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start fmd web");
        let stderr = child.stderr.take().expect("its stderr");
        let process = Killed(child);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split_once("at http://").map(|(_, r)| r) {
                    let addr = rest.split('/').next().unwrap_or("").to_string();
                    let _ = tx.send(addr);
                } else {
                    eprintln!("fmd web: {line}");
                }
            }
        });
        let addr = rx.recv_timeout(Duration::from_secs(60)).expect("fmd web said where it listens");
        let shots = root.join("target/screenshots");
        std::fs::create_dir_all(&shots).expect("create target/screenshots");
        Server { base: format!("http://{addr}"), db, shots, _process: process, _dir: dir }
    }

    /// The URL of a path under the server.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The status of `GET path` with the session `cookie`, asked outside the browser (so that a probe for
    /// a page that does not exist yet leaves nothing in the browser's console).
    pub fn status(&self, path: &str, cookie: &str) -> u16 {
        let addr: SocketAddr = self.base.trim_start_matches("http://").parse().expect("the server's address");
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(10)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("a timeout");
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: fmd_session={cookie}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).expect("send");
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).expect("a status line");
        std::str::from_utf8(&head[9..12]).ok().and_then(|s| s.parse().ok()).expect("a status")
    }

    /// The monitoring level of `endpoint` in the copy, read as a monitored service's recorder reads it.
    pub fn level_of(&self, endpoint: &str) -> i64 {
        let conn = rusqlite::Connection::open(&self.db).expect("open the copy");
        conn.query_row("SELECT monitor_level FROM Endpoint WHERE name = ?1", [endpoint], |r| r.get(0))
            .expect("the endpoint's level")
    }

    /// The fixture's endpoint with the most requests: (id, name).
    pub fn busiest(&self) -> (i64, String) {
        let conn = rusqlite::Connection::open(&self.db).expect("open the copy");
        conn.query_row(
            "SELECT e.id, e.name FROM Endpoint e JOIN Request r ON r.endpoint_id = e.id GROUP BY e.id \
             ORDER BY count(*) DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the busiest endpoint")
    }

    /// Every endpoint's name in the copy.
    pub fn endpoint_names(&self) -> Vec<String> {
        let conn = rusqlite::Connection::open(&self.db).expect("open the copy");
        let mut statement = conn.prepare("SELECT name FROM Endpoint ORDER BY id").expect("a query");
        let names = statement.query_map([], |r| r.get(0)).expect("names").collect::<Result<Vec<String>, _>>();
        names.expect("names")
    }

    /// Writes one request of `endpoint` at `time` (FMD's format), as a monitored service would.
    pub fn insert_request(&self, endpoint_id: i64, time: &str) {
        let conn = rusqlite::Connection::open(&self.db).expect("open the copy");
        conn.execute(
            "INSERT INTO Request (endpoint_id, duration, time_requested, version_requested, group_by, ip, \
             status_code) VALUES (?1, 12.5, ?2, '1.1', 'browser-test', '127.0.0.1', 200)",
            rusqlite::params![endpoint_id, time],
        )
        .expect("insert a request");
    }
}

/// chromedriver on a loopback port.
struct Driver {
    url: String,
    _process: Killed,
}

impl Driver {
    fn start(tools: &Tools) -> Driver {
        let port = free_port();
        let child = Command::new(&tools.chromedriver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let process = Killed(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on {port} within 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { url: format!("http://127.0.0.1:{port}/"), _process: process }
    }
}

/// A chromium session and what it has logged so far.
pub struct Browser {
    /// The WebDriver client.
    pub client: Client,
    /// The server's base URL.
    pub base: String,
}

/// `POST /session/{id}/se/log` `{"type": "browser"}`: chromedriver's console log since the last call.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _url: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(json!({"type": "browser"}).to_string()))
    }
}

impl Browser {
    async fn connect(tools: &Tools, driver: &Driver, profile: &Path, server: &Server) -> Browser {
        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            format!("--user-data-dir={}", profile.display()),
            format!("--window-size={},{}", WINDOW.0, WINDOW.1),
        ];
        let mut caps = Capabilities::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), json!({"binary": tools.chromium, "args": args}));
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
        connector.enforce_http(true);
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .unwrap_or_else(|e| panic!("chromedriver could not start {}: {e}", tools.chromium.display()));
        Browser { client, base: server.base.clone() }
    }

    /// Opens `path` of the server and waits for the document to be complete.
    pub async fn open(&self, path: &str) {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap_or_else(|e| panic!("open {path}: {e}"));
        self.settle().await;
    }

    /// Waits until the document has loaded (after a click or a form that navigates).
    pub async fn settle(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let state = self.client.execute("return document.readyState", vec![]).await;
            if matches!(state, Ok(Value::String(ref s)) if s == "complete") {
                return;
            }
            assert!(Instant::now() < deadline, "the page did not finish loading within 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Runs `script` in the page and answers its value.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// The path and query of the page shown now.
    pub async fn here(&self) -> String {
        let url = self.client.current_url().await.expect("the current URL");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// The session cookie's value (HttpOnly: only WebDriver sees it).
    pub async fn session_cookie(&self) -> String {
        let cookie = self.client.get_named_cookie("fmd_session").await.expect("a session cookie");
        cookie.value().to_string()
    }

    /// The console entries since the last call: (level, message).
    pub async fn console(&self) -> Vec<(String, String)> {
        let answer = self.client.issue_cmd(BrowserLog).await.expect("chromedriver's browser log");
        answer
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| {
                        let field = |k: &str| e.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
                        (field("level"), field("message"))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Fails on any error in the console since the last call (JavaScript errors, CSP violations, failed
    /// loads), but those for which `expected` says yes.
    pub async fn assert_clean_console(&self, page: &str, expected: impl Fn(&str) -> bool) {
        let errors: Vec<String> = self
            .console()
            .await
            .into_iter()
            .filter(|(level, message)| (level == "SEVERE" || level == "ERROR") && !expected(message))
            .map(|(level, message)| format!("{level}: {message}"))
            .collect();
        assert!(errors.is_empty(), "the browser's console on {page} has errors:\n{}", errors.join("\n"));
    }

    /// Marks the document shown now, so that [`Browser::wait_for_new_document`] can tell when another one
    /// replaced it (a form posted by the page's script navigates without WebDriver waiting for it).
    pub async fn mark_document(&self) {
        self.js("window.fmdOldDocument = true; return true", vec![]).await;
    }

    /// Waits until the marked document has been replaced by a new one that has finished loading.
    pub async fn wait_for_new_document(&self, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let fresh = self
                .client
                .execute("return window.fmdOldDocument === undefined && document.readyState === 'complete'", vec![])
                .await;
            if matches!(fresh, Ok(Value::Bool(true))) {
                return;
            }
            assert!(Instant::now() < deadline, "{what}: no new page within 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Clicks `element` (a link or button that navigates) and waits for the page it leads to.
    pub async fn click_to_page(&self, element: fantoccini::elements::Element, what: &str) {
        self.mark_document().await;
        element.click().await.unwrap_or_else(|e| panic!("click {what}: {e}"));
        self.wait_for_new_document(what).await;
    }

    /// Logs in through the form as `user`, and waits for the page it leads to.
    pub async fn login(&self, (name, password): (&str, &str)) {
        self.open("/dashboard/login").await;
        let form = self.client.form(fantoccini::Locator::Css("main.login form")).await.expect("the login form");
        form.set_by_name("name", name).await.expect("type the name");
        form.set_by_name("password", password).await.expect("type the password");
        self.mark_document().await;
        form.submit().await.expect("submit the login form");
        self.wait_for_new_document(&format!("logging in as {name}")).await;
        let here = self.here().await;
        assert!(!here.contains("/login"), "logging in as {name} stayed on the login page ({here})");
    }

    /// A screenshot of the whole page (the window grows to the document's height, at most 6000 px) as
    /// `target/screenshots/{name}.png`.
    pub async fn screenshot(&self, shots: &Path, name: &str) {
        let height = self.js("return Math.ceil(document.documentElement.scrollHeight)", vec![]).await;
        let height = height.as_u64().unwrap_or(u64::from(WINDOW.1)).clamp(u64::from(WINDOW.1), 6000) as u32;
        self.client.set_window_size(WINDOW.0, height).await.expect("resize the window");
        let png = self.client.screenshot().await.expect("a screenshot");
        self.client.set_window_size(WINDOW.0, WINDOW.1).await.expect("restore the window");
        std::fs::write(shots.join(format!("{name}.png")), png).expect("write the screenshot");
    }

    /// The links of `selector` in the page: (text, path and query).
    pub async fn links(&self, selector: &str) -> Vec<(String, String)> {
        let found = self
            .js(
                "return Array.from(document.querySelectorAll(arguments[0])).map(function (a) { \
                   var u = new URL(a.href); return [a.textContent.trim(), u.pathname + u.search]; })",
                vec![json!(selector)],
            )
            .await;
        found
            .as_array()
            .map(|pairs| {
                pairs
                    .iter()
                    .filter_map(|p| Some((p.get(0)?.as_str()?.to_string(), p.get(1)?.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }
}
