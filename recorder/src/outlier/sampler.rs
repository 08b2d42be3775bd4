//! Reading the stack of another thread while it runs: a real-time signal, an async-signal-safe handler that
//! walks frame pointers into a preallocated buffer, and the per-thread values that handler reads.
//!
//! This is the only module of the crate with `unsafe` code. It is compiled on Linux x86_64 and aarch64;
//! elsewhere [`sample`] answers "stack unavailable on this platform".
//!
//! # How a sample is taken
//! 1. The polled request publishes, at every poll entry, its watch id in a thread-local atomic
//!    ([`enter_poll`]); the thread's kernel id and stack bounds are computed once per thread (outside any
//!    signal handler) and cached in thread-locals.
//! 2. The watcher ([`sample`], serialised by a mutex, never on a request thread) writes the target thread
//!    id and watch id into a static slot, marks it requested and sends the signal with `tgkill`.
//! 3. The handler, on the target thread, claims the slot with a compare-and-swap, checks that this thread is
//!    still polling that request (else it answers "not polling"), reads PC, frame pointer and stack pointer
//!    from the signal context and follows the frame-pointer chain: every read stays inside
//!    `[interrupted sp, top of this thread's stack)`, addresses must be aligned and strictly increase, and at
//!    most [`MAX_FRAMES`] return addresses are stored. It allocates nothing, takes no lock, calls only
//!    `gettid` and preserves `errno`.
//! 4. The watcher waits (bounded) for the handler's answer and copies the addresses out; symbolization
//!    happens later, in the watcher.
//!
//! # Limits
//! * Frames of code built without frame pointers are skipped, and a function that uses the frame-pointer
//!   register for something else ends the walk (it cannot escape the stack bounds). Build services with
//!   `-C force-frame-pointers=yes` for complete stacks.
//! * The signal is the highest free real-time signal (`SIGRTMAX-2` downwards) at first use. If another
//!   library later replaces the handler, sampling stops ("handler was replaced") instead of sending a
//!   signal nobody handles.
//! * A thread that blocks the signal answers late or never; the watcher gives up after its timeout and the
//!   late handler finds the slot no longer requested.
//! * `SA_RESTART` is set, so interrupted system calls restart where the kernel allows it; a few (e.g.
//!   `epoll_wait`, `nanosleep`) return `EINTR`, which Rust's standard library and tokio retry.

#![allow(unsafe_code)]

/// Most return addresses one sample holds.
pub(crate) const MAX_FRAMES: usize = 128;

/// What a sample found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Sample {
    /// Code addresses, innermost first: the interrupted instruction, then return addresses.
    Stack {
        /// The addresses.
        ips: Vec<usize>,
        /// True when the walk reached the end of the frame chain (or the buffer was full) rather than
        /// stopping at a frame it could not follow.
        complete: bool,
    },
    /// The thread was not polling the request any more when the signal arrived.
    NotPolling,
    /// No stack could be taken, for this reason.
    Unavailable(&'static str),
}

#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
pub(crate) use imp::{current_poll, current_tid, enter_poll, exit_poll, own_stack, sample};

#[cfg(not(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64"))))]
pub(crate) use fallback::{current_poll, current_tid, enter_poll, exit_poll, own_stack, sample};

#[cfg(not(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64"))))]
mod fallback {
    use std::time::Duration;

    use super::Sample;

    /// A non-zero stand-in for the thread id (no signal can be sent on this platform).
    pub(crate) fn current_tid() -> u64 {
        1
    }

    /// Nothing to publish on this platform.
    pub(crate) fn enter_poll(_watch: u64) -> u64 {
        0
    }

    /// Nothing to restore on this platform.
    pub(crate) fn exit_poll(_previous: u64) {}

    /// Nothing is published on this platform.
    pub(crate) fn current_poll() -> u64 {
        0
    }

    /// No stack walk on this platform.
    pub(crate) fn own_stack(_out: &mut [usize]) -> usize {
        0
    }

    /// Always unavailable here.
    pub(crate) fn sample(_tid: u64, _watch: u64, _timeout: Duration) -> Sample {
        Sample::Unavailable("stack unavailable on this platform")
    }
}

#[cfg(all(target_os = "linux", any(target_arch = "x86_64", target_arch = "aarch64")))]
mod imp {
    use std::cell::Cell;
    use std::sync::atomic::{AtomicU64, AtomicU8, AtomicUsize, Ordering};
    use std::sync::{Mutex, OnceLock};
    use std::time::{Duration, Instant};

    use super::{Sample, MAX_FRAMES};

    const IDLE: u64 = 0;
    const REQUESTED: u64 = 1;
    const WRITING: u64 = 2;
    const DONE: u64 = 3;
    const PHASE: u64 = 3;

    /// Handler answer flags.
    const NOT_POLLING: u8 = 1;
    const COMPLETE: u8 = 2;

    /// `(generation << 2) | phase` of the one sample in progress.
    static STATE: AtomicU64 = AtomicU64::new(IDLE);
    static TARGET_TID: AtomicU64 = AtomicU64::new(0);
    static TARGET_WATCH: AtomicU64 = AtomicU64::new(0);
    static LEN: AtomicUsize = AtomicUsize::new(0);
    static FLAGS: AtomicU8 = AtomicU8::new(0);
    static FRAMES: [AtomicUsize; MAX_FRAMES] = [const { AtomicUsize::new(0) }; MAX_FRAMES];
    /// Serialises samplers (one watcher thread per recorder; several recorders share the slot).
    static SAMPLING: Mutex<u64> = Mutex::new(0);
    /// The installed signal, or why there is none.
    static SIGNAL: OnceLock<Result<libc::c_int, &'static str>> = OnceLock::new();

    thread_local! {
        /// Watch id of the request this thread is polling (0 = none); read by the signal handler.
        static CURRENT: AtomicU64 = const { AtomicU64::new(0) };
        /// Lowest and highest address of this thread's stack (0 = not known yet); read by the handler.
        static STACK_LOW: AtomicUsize = const { AtomicUsize::new(0) };
        static STACK_HIGH: AtomicUsize = const { AtomicUsize::new(0) };
        /// Kernel thread id (0 = not read yet).
        static TID: Cell<u64> = const { Cell::new(0) };
    }

    fn gettid() -> u64 {
        // SAFETY: `gettid` takes no arguments, cannot fail and is async-signal-safe.
        let tid = unsafe { libc::syscall(libc::SYS_gettid) };
        u64::try_from(tid).unwrap_or(0)
    }

    /// This thread's kernel id (cached per thread).
    pub(crate) fn current_tid() -> u64 {
        TID.try_with(|cached| {
            if cached.get() == 0 {
                cached.set(gettid());
            }
            cached.get()
        })
        .unwrap_or_else(|_| gettid())
    }

    /// The bounds of the calling thread's stack, from `pthread_getattr_np`.
    fn stack_bounds() -> Option<(usize, usize)> {
        // SAFETY: `attr` is initialised by `pthread_getattr_np` before any other use and destroyed exactly
        // once; `pthread_self` is always valid for the calling thread; the out-pointers point to locals.
        unsafe {
            let mut attr: libc::pthread_attr_t = std::mem::zeroed();
            if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
                return None;
            }
            let mut addr: *mut libc::c_void = std::ptr::null_mut();
            let mut size: libc::size_t = 0;
            let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
            libc::pthread_attr_destroy(&mut attr);
            let low = addr as usize;
            (ok && low != 0 && size != 0).then(|| (low, low.saturating_add(size)))
        }
    }

    /// Publishes that this thread now polls the request with watch id `watch`; returns the previous value
    /// for [`exit_poll`]. Computes the thread's stack bounds the first time.
    pub(crate) fn enter_poll(watch: u64) -> u64 {
        let _ = STACK_HIGH.try_with(|high| {
            if high.load(Ordering::Relaxed) == 0 {
                if let Some((low, top)) = stack_bounds() {
                    let _ = STACK_LOW.try_with(|l| l.store(low, Ordering::Relaxed));
                    high.store(top, Ordering::Relaxed);
                }
            }
        });
        CURRENT.try_with(|current| current.swap(watch, Ordering::Relaxed)).unwrap_or(0)
    }

    /// Restores what [`enter_poll`] replaced.
    pub(crate) fn exit_poll(previous: u64) {
        let _ = CURRENT.try_with(|current| current.store(previous, Ordering::Relaxed));
    }

    /// Watch id of the request this thread is polling (0 = none).
    pub(crate) fn current_poll() -> u64 {
        CURRENT.try_with(|current| current.load(Ordering::Relaxed)).unwrap_or(0)
    }

    /// Walks the calling thread's own frame pointers: the return addresses of its callers, innermost first,
    /// into `out`; returns how many were written. Only on a thread that published a poll (its stack bounds
    /// are known), else 0. Allocation-free.
    #[inline(never)]
    pub(crate) fn own_stack(out: &mut [usize]) -> usize {
        let high = STACK_HIGH.try_with(|h| h.load(Ordering::Relaxed)).unwrap_or(0);
        if high == 0 || out.is_empty() {
            return 0;
        }
        let fp: usize;
        // SAFETY: only copies the frame-pointer register into a local; no memory is touched.
        unsafe {
            #[cfg(target_arch = "x86_64")]
            std::arch::asm!("mov {}, rbp", out(reg) fp, options(nomem, nostack, preserves_flags));
            #[cfg(target_arch = "aarch64")]
            std::arch::asm!("mov {}, x29", out(reg) fp, options(nomem, nostack, preserves_flags));
        }
        // The address of a local is (just above) this frame's stack pointer.
        let marker = 0usize;
        let sp = std::ptr::addr_of!(marker) as usize;
        let mut n = 0;
        chain(fp, sp, high, |ret| {
            out[n] = ret;
            n += 1;
            n < out.len()
        });
        n
    }

    /// Follows the frame-pointer chain from `fp`, staying inside `[sp, high)`: every frame record must be
    /// aligned, inside the bounds and above the previous one. Calls `push` with each return address until it
    /// returns false. Returns true when the chain ended normally (a null link or return address).
    /// Async-signal-safe.
    fn chain(mut fp: usize, sp: usize, high: usize, mut push: impl FnMut(usize) -> bool) -> bool {
        let word = std::mem::size_of::<usize>();
        loop {
            if fp == 0 {
                return true;
            }
            // A frame record is two words (saved frame pointer, return address) that must lie entirely in
            // [sp, high).
            if fp < sp || fp % word != 0 || fp > high.saturating_sub(2 * word) {
                return false;
            }
            // SAFETY: `fp` and `fp + word` are aligned and inside [sp, high): the live part of this thread's
            // stack, which is mapped and readable while this thread runs (the caller runs on it).
            let (next, ret) = unsafe {
                (std::ptr::read_volatile(fp as *const usize), std::ptr::read_volatile((fp + word) as *const usize))
            };
            if ret == 0 {
                return true;
            }
            if !push(ret) {
                return true;
            }
            if next != 0 && next <= fp {
                // Frames must move towards the top of the stack; anything else is not a frame chain.
                return false;
            }
            fp = next;
        }
    }

    /// Installs the handler on the highest free real-time signal (once per process).
    fn signal() -> Result<libc::c_int, &'static str> {
        *SIGNAL.get_or_init(|| {
            let top = libc::SIGRTMAX();
            let bottom = libc::SIGRTMIN();
            for sig in (bottom.max(top - 10)..=top - 2).rev() {
                // SAFETY: `action` and `old` are valid, zero-initialised `sigaction` structs (all-zero is a valid
                // value); the handler has the `SA_SIGINFO` signature and is async-signal-safe.
                unsafe {
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = on_signal as *const () as usize;
                    action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
                    libc::sigemptyset(&mut action.sa_mask);
                    let mut old: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(sig, &action, &mut old) != 0 {
                        continue;
                    }
                    if old.sa_sigaction == libc::SIG_DFL {
                        return Ok(sig);
                    }
                    // Someone else's signal: put their handler back and try the next one.
                    libc::sigaction(sig, &old, std::ptr::null_mut());
                }
            }
            Err("stack unavailable: no free real-time signal for sampling")
        })
    }

    /// True while our handler is still the one installed for `sig`.
    fn still_ours(sig: libc::c_int) -> bool {
        // SAFETY: a null new action only queries; `current` is a valid out-pointer.
        unsafe {
            let mut current: libc::sigaction = std::mem::zeroed();
            libc::sigaction(sig, std::ptr::null(), &mut current) == 0
                && current.sa_sigaction == on_signal as *const () as usize
        }
    }

    /// Samples the stack of thread `tid` if it is still polling the request with watch id `watch`, waiting
    /// at most about `timeout` for its answer. Called by watcher threads only.
    pub(crate) fn sample(tid: u64, watch: u64, timeout: Duration) -> Sample {
        let mut generation = SAMPLING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let sig = match signal() {
            Ok(sig) => sig,
            Err(reason) => return Sample::Unavailable(reason),
        };
        if !still_ours(sig) {
            return Sample::Unavailable("stack unavailable: the sampling signal's handler was replaced");
        }
        let Ok(target) = libc::pid_t::try_from(tid) else {
            return Sample::NotPolling;
        };
        *generation = generation.wrapping_add(1);
        let base = (*generation << 2) & !PHASE;
        TARGET_TID.store(tid, Ordering::Relaxed);
        TARGET_WATCH.store(watch, Ordering::Relaxed);
        LEN.store(0, Ordering::Relaxed);
        FLAGS.store(0, Ordering::Relaxed);
        STATE.store(base | REQUESTED, Ordering::SeqCst);
        // SAFETY: `tgkill` only sends a signal; it targets a thread of this process (tid came from `gettid`
        // on that thread) and fails with ESRCH if the thread has exited.
        let sent = unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), target, sig) };
        if sent != 0 {
            STATE.store(base | IDLE, Ordering::SeqCst);
            return Sample::NotPolling;
        }
        let started = Instant::now();
        // Past the timeout a handler already writing is still awaited, up to this hard limit.
        let hard_limit = timeout + Duration::from_millis(200);
        loop {
            let state = STATE.load(Ordering::Acquire);
            if state == base | DONE {
                let flags = FLAGS.load(Ordering::Relaxed);
                let len = LEN.load(Ordering::Relaxed).min(MAX_FRAMES);
                let ips: Vec<usize> = FRAMES[..len].iter().map(|f| f.load(Ordering::Relaxed)).collect();
                STATE.store(base | IDLE, Ordering::SeqCst);
                if flags & NOT_POLLING != 0 {
                    return Sample::NotPolling;
                }
                return Sample::Stack { ips, complete: flags & COMPLETE != 0 };
            }
            let waited = started.elapsed();
            if waited >= timeout
                && STATE.compare_exchange(base | REQUESTED, base | IDLE, Ordering::SeqCst, Ordering::SeqCst).is_ok()
            {
                return Sample::Unavailable("stack unavailable: the thread did not answer the sampling signal in time");
            }
            if waited >= hard_limit {
                STATE.store(base | IDLE, Ordering::SeqCst);
                return Sample::Unavailable("stack unavailable: the sampling signal handler did not finish");
            }
            std::thread::sleep(Duration::from_micros(20));
        }
    }

    /// The signal handler: async-signal-safe (atomics, one `gettid`, reads within the stack bounds).
    extern "C" fn on_signal(_sig: libc::c_int, _info: *mut libc::siginfo_t, context: *mut libc::c_void) {
        // SAFETY: `__errno_location` returns this thread's errno slot, always valid; it is restored below so
        // the interrupted code never sees a changed errno.
        let errno = unsafe { *libc::__errno_location() };
        answer(context);
        // SAFETY: as above.
        unsafe { *libc::__errno_location() = errno };
    }

    fn answer(context: *mut libc::c_void) {
        let state = STATE.load(Ordering::Acquire);
        if state & PHASE != REQUESTED || gettid() != TARGET_TID.load(Ordering::Relaxed) {
            return;
        }
        let base = state & !PHASE;
        if STATE.compare_exchange(state, base | WRITING, Ordering::AcqRel, Ordering::Relaxed).is_err() {
            return;
        }
        let current = CURRENT.try_with(|c| c.load(Ordering::Relaxed)).unwrap_or(0);
        if current == 0 || current != TARGET_WATCH.load(Ordering::Relaxed) {
            FLAGS.store(NOT_POLLING, Ordering::Relaxed);
            LEN.store(0, Ordering::Relaxed);
        } else {
            let (len, complete) = walk(context);
            LEN.store(len, Ordering::Relaxed);
            FLAGS.store(if complete { COMPLETE } else { 0 }, Ordering::Relaxed);
        }
        let _ = STATE.compare_exchange(base | WRITING, base | DONE, Ordering::AcqRel, Ordering::Relaxed);
    }

    /// `(pc, frame pointer, stack pointer)` of the interrupted code.
    fn registers(context: *mut libc::c_void) -> Option<(usize, usize, usize)> {
        if context.is_null() {
            return None;
        }
        let uc = context.cast::<libc::ucontext_t>();
        // SAFETY: for an `SA_SIGINFO` handler the kernel passes a valid `ucontext_t` as the third argument;
        // it stays valid for the duration of the handler and is only read here.
        unsafe {
            #[cfg(target_arch = "x86_64")]
            {
                let gregs = &(*uc).uc_mcontext.gregs;
                Some((
                    gregs[libc::REG_RIP as usize] as usize,
                    gregs[libc::REG_RBP as usize] as usize,
                    gregs[libc::REG_RSP as usize] as usize,
                ))
            }
            #[cfg(target_arch = "aarch64")]
            {
                let mc = &(*uc).uc_mcontext;
                Some((mc.pc as usize, mc.regs[29] as usize, mc.sp as usize))
            }
        }
    }

    /// Walks the frame-pointer chain into `FRAMES`; returns the count and whether the chain ended normally.
    fn walk(context: *mut libc::c_void) -> (usize, bool) {
        let Some((pc, fp, sp)) = registers(context) else {
            return (0, false);
        };
        FRAMES[0].store(pc, Ordering::Relaxed);
        let mut n = 1;
        let low = STACK_LOW.try_with(|l| l.load(Ordering::Relaxed)).unwrap_or(0);
        let high = STACK_HIGH.try_with(|h| h.load(Ordering::Relaxed)).unwrap_or(0);
        // The interrupted code must run on this thread's stack (not a signal stack or a heap-allocated one).
        if low == 0 || high == 0 || sp < low || sp >= high {
            return (n, false);
        }
        let mut complete = chain(fp, sp, high, |ret| {
            FRAMES[n].store(ret, Ordering::Relaxed);
            n += 1;
            n < MAX_FRAMES
        });
        if n == MAX_FRAMES {
            complete = true;
        }
        (n, complete)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_thread_not_polling_answers_not_polling() {
            let (tx, rx) = std::sync::mpsc::channel();
            let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
            let worker = std::thread::spawn(move || {
                let _ = tx.send(current_tid());
                let _ = stop_rx.recv_timeout(Duration::from_secs(5));
            });
            let tid = rx.recv().expect("tid");
            assert_eq!(sample(tid, 42, Duration::from_millis(500)), Sample::NotPolling);
            let _ = stop_tx.send(());
            worker.join().expect("worker");
        }

        #[inline(never)]
        fn spin_until(stop: &std::sync::atomic::AtomicBool, spinning: &std::sync::atomic::AtomicBool) -> u64 {
            spinning.store(true, Ordering::Release);
            let mut h = 1u64;
            while !stop.load(Ordering::Relaxed) {
                h = h.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
            h
        }

        #[test]
        fn a_polling_thread_answers_with_its_stack() {
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let spinning = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let (tx, rx) = std::sync::mpsc::channel();
            let (stop2, spinning2) = (std::sync::Arc::clone(&stop), std::sync::Arc::clone(&spinning));
            let worker = std::thread::spawn(move || {
                let previous = enter_poll(7);
                let _ = tx.send(current_tid());
                let h = spin_until(&stop2, &spinning2);
                exit_poll(previous);
                h
            });
            let tid = rx.recv().expect("tid");
            let waiting = Instant::now();
            while !spinning.load(Ordering::Acquire) && waiting.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(1));
            }
            // A sample that lands in the prologue of a function the loop calls (unoptimized builds call
            // `AtomicBool::load`) has no frame of its own yet, so the walk skips its caller: take a few
            // samples, and require one with the spinning function and, past it, its caller.
            let mut seen = Vec::new();
            for _ in 0..20 {
                match sample(tid, 7, Duration::from_millis(500)) {
                    Sample::Stack { ips, .. } => {
                        assert!(!ips.is_empty() && ips[0] != 0, "{ips:?}");
                        let frames = crate::symbolize::resolve(&ips, true);
                        let names: Vec<String> = frames.into_iter().map(|f| f.function).collect();
                        let found = |part: &str| names.iter().any(|n| n.contains(part));
                        // The walk goes past the spinning function into its caller (frame pointers work here).
                        if found("spin_until") && found("a_polling_thread_answers_with_its_stack") {
                            seen.clear();
                            break;
                        }
                        seen.push(names);
                    }
                    other => panic!("expected a stack, got {other:?}"),
                }
            }
            stop.store(true, Ordering::Relaxed);
            worker.join().expect("worker");
            assert!(seen.is_empty(), "no sample walked from spin_until to its caller: {seen:#?}");
        }
    }
}
