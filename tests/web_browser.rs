//! The web dashboard end to end in a real browser: Debian's chromium, driven through chromedriver, on the real
//! `fmd web` binary over a copy of FMD 5.1.0's sample database (see `browser_support` for the set-up and for
//! when these tests skip). Every page visited must leave the browser's console free of errors: no JavaScript
//! error, no Content-Security-Policy violation, no failed load. Screenshots of every page the dashboard offers
//! land in `target/screenshots/`.

mod browser_support;

use std::time::{Duration, Instant};

use browser_support::{note, with_browser, Browser, Server, FMD_ADMIN, GUEST};
use fantoccini::Locator;
use serde_json::{json, Value};

/// The text of the overview row of `endpoint`, cell by cell, with the column headings.
async fn overview_row(browser: &Browser, endpoint: &str) -> (Vec<String>, Vec<String>) {
    let found = browser
        .js(
            "var name = arguments[0]; var table = document.querySelector('table.overview'); \
             if (!table) { return null; } \
             var heads = Array.from(table.querySelectorAll('thead th')).map(function (th) { \
               return th.textContent.trim(); }); \
             var row = Array.from(table.querySelectorAll('tbody tr')).find(function (tr) { \
               var a = tr.querySelector('td a'); return a && a.textContent === name; }); \
             if (!row) { return null; } \
             return [heads, Array.from(row.cells).map(function (c) { return c.textContent.trim(); })];",
            vec![json!(endpoint)],
        )
        .await;
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect()).unwrap_or_default()
    };
    match found {
        Value::Array(pair) if pair.len() == 2 => (strings(&pair[0]), strings(&pair[1])),
        other => panic!("the overview has no row for {endpoint:?} ({other})"),
    }
}

/// The cell of `row` under the heading that starts with `heading`.
fn cell<'a>(heads: &[String], row: &'a [String], heading: &str) -> &'a str {
    let at = heads.iter().position(|h| h.starts_with(heading)).unwrap_or_else(|| panic!("no {heading} column"));
    &row[at]
}

/// A count as a page shows it (thin spaces between thousands).
fn count(shown: &str) -> u64 {
    shown.replace('\u{2009}', "").parse().unwrap_or_else(|e| panic!("{shown:?} is not a count: {e}"))
}

/// The names of the endpoints the overview lists.
async fn listed_endpoints(browser: &Browser) -> Vec<String> {
    browser.links("table.overview tbody tr td:first-child a").await.into_iter().map(|(text, _)| text).collect()
}

/// Clicks into endpoint `id` (`name`) from the overview, then through every tab it offers (tabs not written
/// yet are skipped, with a note), and clicks a node of the grouped profiler's flame view.
async fn drill_down(browser: &Browser, server: &Server, cookie: &str, id: i64, name: &str) {
    // Into the busiest endpoint, by its link.
    let link = browser.client.find(Locator::LinkText(name)).await.expect("the endpoint's link");
    browser.click_to_page(link, "the endpoint's link").await;
    let summary = format!("/dashboard/endpoint/{id}/");
    assert_eq!(browser.here().await, summary);
    let crumbs = browser.client.find(Locator::Css("nav.crumbs")).await.expect("a breadcrumb");
    assert!(crumbs.text().await.expect("its text").contains(name));
    browser.assert_clean_console("the endpoint's summary", |_| false).await;

    // Every tab the endpoint offers, by clicking it (tabs not written yet are skipped, with a note).
    let tabs = browser.links("nav.tabs a").await;
    assert!(tabs.len() >= 2, "the endpoint has tabs: {tabs:?}");
    let mut opened = Vec::new();
    for (label, path) in &tabs {
        if server.status(path, cookie) == 404 {
            note(&format!("the endpoint tab {label:?} ({path}) answers 404: not written yet, skipped"));
            continue;
        }
        let nav = browser.client.find(Locator::Css("nav.tabs")).await.expect("the tab row");
        let link = nav.find(Locator::LinkText(label)).await.expect("the tab's link");
        browser.click_to_page(link, &format!("the {label} tab")).await;
        assert_eq!(&browser.here().await, path, "the {label} tab opens its page");
        let text = browser.js("return document.body.textContent", vec![]).await;
        assert!(text.as_str().is_some_and(|t| t.contains(name)), "the {label} tab names the endpoint");
        browser.assert_clean_console(&format!("the {label} tab"), |_| false).await;
        opened.push(label.clone());
    }
    eprintln!("opened the endpoint tabs {opened:?}");

    // The grouped profiler's flame view: click a node when the page has one.
    let grouped = format!("/dashboard/endpoint/{id}/grouped");
    if server.status(&grouped, cookie) == 200 {
        browser.open(&grouped).await;
        let nodes = browser.client.find_all(Locator::Css("[data-icicle] [data-node]")).await.expect("nodes");
        if let Some(node) = nodes.get(1).or(nodes.first()) {
            // An SVG group may have no box of its own for WebDriver to click in: then the page gets the event.
            if let Err(e) = node.clone().click().await {
                note(&format!("WebDriver could not click an icicle node ({e}); dispatching the click instead"));
                let script = "arguments[0].dispatchEvent(new MouseEvent('click', { bubbles: true })); return true";
                browser.js(script, vec![serde_json::to_value(node).expect("an element reference")]).await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            browser.settle().await;
            let here = browser.here().await;
            assert!(here.split('?').next() == Some(grouped.as_str()), "zooming stays on the grouped page: {here}");
            let search = browser.client.find_all(Locator::Css("input[data-icicle-search], [data-icicle] input")).await;
            if let Some(search) = search.ok().and_then(|s| s.into_iter().next()) {
                search.send_keys("user").await.expect("type in the icicle's search");
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
        } else {
            note("the grouped page has no icicle nodes ([data-icicle] [data-node]) yet");
        }
        browser.assert_clean_console("the grouped profiler", |_| false).await;
    } else {
        note(&format!("{grouped} is not written yet; the flame view was not clicked"));
    }
}

#[test]
fn an_admin_logs_in_with_fmds_hash_drills_into_an_endpoint_and_changes_a_level() {
    with_browser("admin", |browser: Browser, server: Server| async move {
        browser.login(FMD_ADMIN).await;
        assert_eq!(browser.here().await, "/dashboard/");
        let listed = listed_endpoints(&browser).await;
        for name in server.endpoint_names() {
            assert!(listed.contains(&name), "the overview lists {name:?}: {listed:?}");
        }
        browser.assert_clean_console("the overview", |_| false).await;

        // Into the busiest endpoint, by its link, and through its tabs (when its pages are there).
        let (id, name) = server.busiest();
        let cookie = browser.session_cookie().await;
        if server.status(&format!("/dashboard/endpoint/{id}/"), &cookie) == 404 {
            note("the endpoint pages answer 404 (not written yet): the drill-down was skipped");
        } else {
            drill_down(&browser, &server, &cookie, id, &name).await;
        }

        // A level through the overview's select; the running dashboard writes it to the Endpoint table.
        browser.open("/dashboard/").await;
        assert_eq!(server.level_of(&name), 3, "the fixture's endpoints start at level 3");
        let select = format!("//form[contains(@class,'level')][input[@name='name' and @value='{name}']]//select");
        let select = browser.client.find(Locator::XPath(&select)).await.expect("the level select of the endpoint");
        browser.mark_document().await;
        select.select_by_value("1").await.expect("choose level 1");
        let deadline = Instant::now() + Duration::from_secs(15);
        while server.level_of(&name) != 1 {
            assert!(Instant::now() < deadline, "the level did not reach the database within 15 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        browser.wait_for_new_document("the level change").await;
        assert_eq!(browser.here().await, "/dashboard/", "the change comes back to the overview");
        let (heads, row) = overview_row(&browser, &name).await;
        let shown = browser
            .js(
                "var s = document.querySelector('form.level input[value=\"' + arguments[0] + '\"]'); \
                 return s && s.form.querySelector('select').value;",
                vec![json!(name)],
            )
            .await;
        assert_eq!(shown, json!("1"), "the select shows the new level ({heads:?} {row:?})");
        browser.assert_clean_console("the level change", |_| false).await;
    });
}

#[test]
fn a_guest_sees_levels_as_text_and_a_level_post_from_the_page_is_refused() {
    with_browser("guest", |browser: Browser, server: Server| async move {
        browser.login(GUEST).await;
        let (_, name) = server.busiest();
        let (heads, row) = overview_row(&browser, &name).await;
        assert_eq!(cell(&heads, &row, "level"), "3", "the level reads as text");
        let selects = browser.js("return document.querySelectorAll('form.level, select').length", vec![]).await;
        assert_eq!(selects, json!(0), "a guest gets no level select");
        browser.assert_clean_console("the guest's overview", |_| false).await;

        // The page's own token and cookie, a same-origin POST: the server still says no.
        let status = browser
            .client
            .execute_async(
                "var done = arguments[arguments.length - 1]; \
                 var token = document.querySelector('meta[name=csrf-token]').content; \
                 var body = new URLSearchParams({ csrf_token: token, name: arguments[0], value: '0' }); \
                 fetch('/dashboard/level', { method: 'POST', body: body, credentials: 'same-origin', \
                   headers: { 'X-CSRF-Token': token } }) \
                   .then(function (r) { done(r.status); }, function (e) { done(String(e)); });",
                vec![json!(name)],
            )
            .await
            .expect("the fetch ran");
        assert_eq!(status, json!(403), "a guest's level change is refused");
        assert_eq!(server.level_of(&name), 3, "and changes nothing");
        // The refused fetch is the one error the console may show.
        browser
            .assert_clean_console("the guest's refused POST", |m| m.contains("/dashboard/level") && m.contains("403"))
            .await;

        let (id, _) = server.busiest();
        browser.open(&format!("/dashboard/endpoint/{id}/")).await;
        let tabs = browser.links("nav.tabs a").await;
        assert!(!tabs.iter().any(|(label, _)| label == "Admin"), "a guest has no Admin tab: {tabs:?}");
    });
}

#[test]
fn the_live_refresh_shows_new_requests_without_reloading_the_page() {
    with_browser("live", |browser: Browser, server: Server| async move {
        browser.login(FMD_ADMIN).await;
        let (id, name) = server.busiest();
        let (heads, before) = overview_row(&browser, &name).await;
        let live = browser.client.find(Locator::Id("live")).await.expect("the live marker");
        assert!(live.text().await.expect("its text").contains("live"));
        browser.js("window.fmdBrowserTest = 'still the same document'; return true", vec![]).await;
        let started = Instant::now();

        // A monitored service writes one more request of the busiest endpoint, today.
        server.insert_request(id, "2026-11-27 22:50:00.000000");
        let deadline = started + Duration::from_secs(25);
        let (after, shown_after) = loop {
            let (_, row) = overview_row(&browser, &name).await;
            if row != before {
                break (row, started.elapsed());
            }
            assert!(Instant::now() < deadline, "the overview did not show the new request within 25 s");
            tokio::time::sleep(Duration::from_millis(250)).await;
        };
        let total = |row: &[String]| count(cell(&heads, row, "total"));
        assert_eq!(total(&after), total(&before) + 1, "the total counts the new request: {before:?} -> {after:?}");
        assert_eq!(count(cell(&heads, &after, "today")), count(cell(&heads, &before, "today")) + 1, "today counts it");

        // More than one refresh period later the page is still the same document, still showing the table.
        let waited = started.elapsed();
        if waited < Duration::from_secs(6) {
            tokio::time::sleep(Duration::from_secs(6) - waited).await;
        }
        let same = browser
            .js(
                "return [window.fmdBrowserTest || null, performance.getEntriesByType('navigation').length, \
                 document.querySelectorAll('table.overview tbody tr').length]",
                vec![],
            )
            .await;
        assert_eq!(same[0], json!("still the same document"), "no reload: {same}");
        assert_eq!(same[1], json!(1), "one navigation: {same}");
        assert_eq!(same[2].as_u64(), Some(server.endpoint_names().len() as u64), "the table is still there: {same}");
        assert_eq!(overview_row(&browser, &name).await.1, after, "the refreshed row stays");
        browser.assert_clean_console("the live overview", |_| false).await;
        eprintln!("the new request showed {:.1} s after it was written", shown_after.as_secs_f64());
    });
}

/// A file name for a page: the last segment of its path, or `fallback` for the tab at the root.
fn slug(path: &str, fallback: &str) -> String {
    let path = path.split('?').next().unwrap_or(path).trim_end_matches('/');
    match path.rsplit('/').next() {
        Some(last) if !last.is_empty() && !last.chars().all(|c| c.is_ascii_digit()) && last != "dashboard" => {
            last.to_string()
        }
        _ => fallback.to_string(),
    }
}

/// Opens `path` (unless it answers 404: a page not written yet), checks the console and takes its
/// screenshot as `name`. Answers whether the page was there.
async fn shoot(browser: &Browser, server: &Server, cookie: &str, path: &str, name: &str) -> bool {
    let status = server.status(path, cookie);
    if status == 404 {
        note(&format!("{path} answers 404 (not written yet): no screenshot {name}.png"));
        return false;
    }
    browser.open(path).await;
    let title = browser.client.title().await.expect("a title");
    assert!(title.starts_with("fmd"), "{path} ({status}) is one of our pages: {title:?}");
    browser.assert_clean_console(path, |_| false).await;
    browser.screenshot(&server.shots, name).await;
    true
}

#[test]
fn every_page_gets_a_screenshot_and_a_clean_console() {
    with_browser("screenshots", |browser: Browser, server: Server| async move {
        browser.open("/dashboard/login").await;
        browser.assert_clean_console("the login page", |_| false).await;
        browser.screenshot(&server.shots, "login").await;

        browser.login(FMD_ADMIN).await;
        let cookie = browser.session_cookie().await;
        let mut taken = vec!["login".to_string()];
        for (_, path) in browser.links("nav.tabs a").await {
            let name = format!("dashboard-{}", slug(&path, "overview"));
            if shoot(&browser, &server, &cookie, &path, &name).await {
                taken.push(name);
            }
        }

        let (id, _) = server.busiest();
        let summary = format!("/dashboard/endpoint/{id}/");
        let tabs = if server.status(&summary, &cookie) == 404 {
            note(&format!("{summary} answers 404 (not written yet): no endpoint screenshots"));
            Vec::new()
        } else {
            browser.open(&summary).await;
            browser.links("nav.tabs a").await
        };
        for (_, path) in tabs {
            let name = format!("endpoint-{}", slug(&path, "summary"));
            if !shoot(&browser, &server, &cookie, &path, &name).await {
                continue;
            }
            taken.push(name);
            // The first detail a list opens: an outlier, a call tree, a request.
            for (list, detail) in
                [("outliers", "outlier-detail"), ("profiler", "call-tree"), ("requests", "request-detail")]
            {
                if !path.split('?').next().unwrap_or("").ends_with(&format!("/{list}")) {
                    continue;
                }
                let selector = format!("main a[href*='/endpoint/{id}/{list}/']");
                match browser.links(&selector).await.into_iter().next() {
                    Some((_, target)) => {
                        if shoot(&browser, &server, &cookie, &target, detail).await {
                            taken.push(detail.to_string());
                        }
                    }
                    None => note(&format!("the {list} page links no detail yet: no screenshot {detail}.png")),
                }
            }
        }

        browser.open("/dashboard/").await;
        for (label, path) in browser.links("header.top .user a").await {
            if path.ends_with("/logout") {
                continue;
            }
            if shoot(&browser, &server, &cookie, &path, &label).await {
                taken.push(label);
            }
        }

        // Logging out: the confirmation, then the login page again, and the overview is closed.
        browser.open("/dashboard/logout").await;
        browser.assert_clean_console("the logout page", |_| false).await;
        browser.screenshot(&server.shots, "logout").await;
        taken.push("logout".into());
        let button = browser.client.find(Locator::Css("main.login form button")).await.expect("log out");
        browser.click_to_page(button, "the log out button").await;
        assert!(browser.here().await.starts_with("/dashboard/login"), "logging out leads to the login page");
        browser.open("/dashboard/").await;
        assert!(browser.here().await.starts_with("/dashboard/login"), "the overview needs a session again");
        browser.assert_clean_console("after logging out", |_| false).await;

        browser.login(GUEST).await;
        browser.screenshot(&server.shots, "dashboard-overview-guest").await;
        taken.push("dashboard-overview-guest".into());
        browser.assert_clean_console("the guest's overview", |_| false).await;
        eprintln!("screenshots in {}: {}", server.shots.display(), taken.join(", "));
    });
}
