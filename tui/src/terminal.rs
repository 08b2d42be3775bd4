//! Entering and leaving the terminal's raw mode and alternate screen, so that every way out (normal
//! return, error, panic) leaves the user's terminal as it was (mouse capture off again too).

use std::io::{self, Stdout};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

use crossterm::cursor::Show;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

/// True between [`enter`] and [`restore`].
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// The console's terminal; restores the terminal when dropped.
pub struct Guard {
    /// The ratatui terminal on stdout.
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = restore();
    }
}

/// Installs (once per process) a panic hook that restores the terminal, then runs the previous hook so the
/// panic message lands on the normal screen.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = restore();
            previous(info);
        }));
    });
}

/// Switches to raw mode and the alternate screen, capturing the mouse when `mouse`.
pub fn enter(mouse: bool) -> io::Result<Guard> {
    install_panic_hook();
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let setup = || -> io::Result<Terminal<CrosstermBackend<Stdout>>> {
        execute!(io::stdout(), EnterAlternateScreen)?;
        if mouse {
            execute!(io::stdout(), EnableMouseCapture)?;
        }
        let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        terminal.clear()?;
        Ok(terminal)
    };
    match setup() {
        Ok(terminal) => Ok(Guard { terminal }),
        Err(e) => {
            let _ = restore();
            Err(e)
        }
    }
}

/// Stops capturing the mouse, leaves the alternate screen and raw mode and shows the cursor; does nothing when
/// not entered. (Turning capture off when it was never on is harmless, so it is always sent.)
pub fn restore() -> io::Result<()> {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return Ok(());
    }
    let screen = execute!(io::stdout(), DisableMouseCapture, LeaveAlternateScreen, Show);
    let raw = disable_raw_mode();
    screen.and(raw)
}
