//! Ctrl-C and SIGTERM: the run stops, and what it started goes first: its harbor processes
//! (each in a process group of its own, which the terminal's Ctrl-C does not reach), then the
//! stores and servers registered here. A second signal forces the exit at once.

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// Set once a signal has come: the run ends as interrupted, whatever it was doing.
static INTERRUPTED_RUN: AtomicBool = AtomicBool::new(false);

/// What an interrupted run removes, in the order registered (stores before their servers).
type Teardown = Box<dyn Fn() + Send>;
static TEARDOWNS: Mutex<Vec<Teardown>> = Mutex::new(Vec::new());

/// The exit status of a run stopped by a signal (as a shell reports SIGINT).
pub const INTERRUPTED: u8 = 130;

/// Registers what an interrupted run must remove.
pub fn on_interrupt(teardown: impl Fn() + Send + 'static) {
    TEARDOWNS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Box::new(teardown));
}

/// `status`, unless a signal came: then the teardown under way ends the process (with
/// [`INTERRUPTED`]) and this never returns.
pub fn unless_interrupted(status: ExitCode) -> ExitCode {
    while INTERRUPTED_RUN.load(Ordering::SeqCst) {
        std::thread::park();
    }
    status
}

/// A line on stderr that cannot panic: stderr may be a closed pipe by now.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

fn signals() -> libc::sigset_t {
    // SAFETY: sigemptyset/sigaddset fill the set they are given; zeroed is a valid start.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        set
    }
}

/// Takes SIGINT and SIGTERM from every thread (call first in `main`, before any thread starts)
/// and hands them to a thread of their own. Processes the kit starts get the default mask back.
pub fn install() {
    let set = signals();
    // SAFETY: blocks the two signals for this thread and the threads it will start.
    unsafe {
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
    std::thread::spawn(move || {
        let mut forced = false;
        loop {
            let mut signal = 0;
            // SAFETY: waits for one of the blocked signals; `signal` receives its number.
            if unsafe { libc::sigwait(&set, &mut signal) } != 0 {
                return;
            }
            if forced {
                say("limani: stopped at once");
                std::process::exit(i32::from(INTERRUPTED));
            }
            forced = true;
            INTERRUPTED_RUN.store(true, Ordering::SeqCst);
            say("limani: interrupted: removing what this run started (again to stop at once)");
            std::thread::spawn(|| {
                bridge::process::kill_all();
                for teardown in TEARDOWNS.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                    teardown();
                }
                std::process::exit(i32::from(INTERRUPTED));
            });
        }
    });
}
