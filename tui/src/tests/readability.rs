//! Readability across the console: popups stand clear of what is behind them, columns keep their place when
//! the sort changes, cut text ends in `…`, numbers read as one number, error shares are coloured by threshold,
//! and long texts in detail views wrap.

use super::{drive, fixture_copy, loaded_app, screen};

/// The popup box on `text` (the first `┌` right of the body's border, below its top): its left and right
/// columns and top and bottom rows.
fn popup_box(text: &str) -> Option<(usize, usize, usize, usize)> {
    let rows: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
    let body_top = rows.iter().position(|r| r.first() == Some(&'┌'))?;
    for (y, row) in rows.iter().enumerate().skip(body_top + 1) {
        let Some(left) = row.iter().skip(1).position(|c| *c == '┌').map(|x| x + 1) else { continue };
        let right = row.iter().skip(left + 1).position(|c| *c == '┐').map(|x| x + left + 1)?;
        let bottom = rows.iter().skip(y + 1).position(|r| r.get(left) == Some(&'└')).map(|b| b + y + 1)?;
        return Some((left, right, y, bottom));
    }
    None
}

/// The cells right around the popup on `text` that are inside the body: all must be blank.
fn around_popup(text: &str) -> String {
    let rows: Vec<Vec<char>> = text.lines().map(|l| l.chars().collect()).collect();
    let Some((left, right, top, bottom)) = popup_box(text) else { panic!("no popup:\n{text}") };
    let mut seen = String::new();
    for row in rows.iter().take(bottom + 1).skip(top) {
        for x in [left.saturating_sub(1), right + 1] {
            // Only the interior of the body (its own border is not "behind" the popup).
            if x > 0 && x + 1 < row.len() {
                seen.push(row.get(x).copied().unwrap_or(' '));
            }
        }
    }
    seen
}

#[test]
fn no_text_shows_at_the_edges_of_a_popup() {
    let (_dir, db) = fixture_copy();
    for (keys, what) in
        [("?", "help"), ("m", "level picker"), ("M", "merge picker"), ("P", "prune picker"), ("D", "delete")]
    {
        for (width, height) in [(120, 40), (80, 24), (200, 60)] {
            let mut app = loaded_app(&db, width, height);
            drive(&mut app, &db, keys);
            let text = screen(&app, width, height);
            let around = around_popup(&text);
            assert!(around.chars().all(|c| c == ' '), "{what} at {width}x{height}: {around:?}\n{text}");
        }
    }
}

#[test]
fn columns_keep_their_place_when_the_sort_changes() {
    let (_dir, db) = fixture_copy();
    // (Narrower, the sort column is kept when others leave: that change is wanted.)
    for width in [120, 200] {
        let mut app = loaded_app(&db, width, 30);
        // Each endpoint's row as drawn under the first sort.
        let rows = |app: &crate::app::App| -> Vec<String> {
            let mut rows: Vec<String> = screen(app, width, 30)
                .lines()
                .filter(|l| {
                    ["user_detail", "index", "search", "upload", "report", "boom"].iter().any(|n| l.contains(n))
                })
                .map(str::to_string)
                .collect();
            rows.sort();
            rows
        };
        let first = rows(&app);
        assert_eq!(first.len(), 6, "{}", screen(&app, width, 30));
        for step in 1..=crate::table::Column::ALL.len() {
            drive(&mut app, &db, "s");
            assert_eq!(rows(&app), first, "{width} columns, sort step {step}:\n{}", screen(&app, width, 30));
        }
    }
}

#[test]
fn the_help_says_what_the_error_colours_mean() {
    let (_dir, db) = fixture_copy();
    let mut app = loaded_app(&db, 120, 40);
    drive(&mut app, &db, "?G");
    let text = screen(&app, 120, 40);
    assert!(text.contains("error %: under 1 normal, 1-5 yellow, 5 and over red"), "{text}");
}

#[test]
fn detail_views_wrap_long_messages_and_frames() {
    let (_dir, db) = fixture_copy();
    for (width, height) in [(120, 40), (80, 40)] {
        // user_detail's exception group, opened: FMD's 150-character NotFound message, in full.
        let mut app = loaded_app(&db, width, height);
        drive(&mut app, &db, "\n9\t\t\n");
        let text = screen(&app, width, height);
        let joined: String =
            text.lines().map(|l| l.trim_matches(|c| c == '│' || c == ' ')).collect::<Vec<_>>().join(" ");
        assert!(joined.contains("please check your spelling and try again."), "{width}x{height}:\n{text}");
        // Its deepest frame's file path, longer than 80 columns, is not cut either.
        assert!(
            joined.replace(" ", "").contains("site-packages/werkzeug/exceptions.py\",line887"),
            "{width}x{height}:\n{text}"
        );
        assert!(!text.contains('…'), "{width}x{height}:\n{text}");
    }
}
