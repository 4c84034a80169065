//! A value handed from one thread to another that is already running, instead of
//! queued for the pool.
//!
//! A single audit's walk runs on the calling thread while a pool thread reads the
//! blueprint ahead; the rest of the audit then needs a pool thread. Queued, it waits for
//! a worker to be woken: on a virtual machine whose other core went idle (halted) when
//! the read-ahead ended, that wake-up took from a few tens of microseconds to over a
//! millisecond, on the audit's critical path. A worker that has just finished the
//! read-ahead instead waits a bounded while for the walk, spinning, and takes it
//! itself when it comes; a walk that ends first waits a shorter while for the worker
//! (its core would only sleep). When neither meets the other in time, the caller
//! keeps the value and queues the work as before.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Nobody waits yet.
const OPEN: u8 = 0;
/// A thread spins in [`Handoff::wait`].
const WAITING: u8 = 1;
/// The value is in the slot for the waiting thread.
const HANDED: u8 = 2;
/// The offerer kept the value, or the waiter gave up: no hand-off any more.
const CLOSED: u8 = 3;

/// One value, handed over at most once: either [`Handoff::wait`] returns it or
/// [`Handoff::offer`] gives it back, never both and never neither.
pub(crate) struct Handoff<T> {
    state: AtomicU8,
    slot: Mutex<Option<T>>,
}

impl<T> Handoff<T> {
    pub fn new() -> Handoff<T> {
        Handoff {
            state: AtomicU8::new(OPEN),
            slot: Mutex::new(None),
        }
    }

    /// Waits up to `budget` for [`Handoff::offer`], spinning (the caller's core has
    /// nothing else to do meanwhile): the value when it was handed to this thread,
    /// `None` when the offer came first, came too late or never.
    pub fn wait(&self, budget: Duration) -> Option<T> {
        self.wait_paced(budget, false)
    }

    /// [`Handoff::wait`], giving the core away between looks (`sched_yield`) when
    /// `yielding`: for a thread that waits while others still run on the cores, so it
    /// stays runnable (taken up at once when a core frees) without taking their time.
    pub fn wait_paced(&self, budget: Duration, yielding: bool) -> Option<T> {
        if self
            .state
            .compare_exchange(OPEN, WAITING, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return None;
        }
        let deadline = Instant::now() + budget;
        let mut spins = 0u32;
        loop {
            if self.state.load(Ordering::Acquire) == HANDED {
                return self.take();
            }
            spins = spins.wrapping_add(1);
            // The clock is read every so often: a read costs more than a spin.
            if (yielding || spins % 64 == 0) && Instant::now() >= deadline {
                return match self.state.compare_exchange(
                    WAITING,
                    CLOSED,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => None,
                    // Handed between the last look and the give-up.
                    Err(_) => self.take(),
                };
            }
            if yielding {
                std::thread::yield_now();
            } else {
                std::hint::spin_loop();
            }
        }
    }

    /// Hands `value` to a thread waiting in [`Handoff::wait`], or to one that starts
    /// waiting within `budget` (the caller spins meanwhile); gives it back when none
    /// does (then no thread will take it later either).
    pub fn offer(&self, value: T, budget: Duration) -> Result<(), T> {
        *self.lock() = Some(value);
        let mut current = self.state.load(Ordering::Acquire);
        if current == OPEN && !budget.is_zero() {
            let deadline = Instant::now() + budget;
            let mut spins = 0u32;
            while current == OPEN {
                spins = spins.wrapping_add(1);
                if spins % 64 == 0 && Instant::now() >= deadline {
                    break;
                }
                std::hint::spin_loop();
                current = self.state.load(Ordering::Acquire);
            }
        }
        loop {
            let next = if current == WAITING { HANDED } else { CLOSED };
            match self
                .state
                .compare_exchange(current, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) if next == HANDED => return Ok(()),
                Ok(_) => {
                    return Err(self
                        .take()
                        .unwrap_or_else(|| unreachable!("nobody took the value put above")))
                }
                Err(actual) => current = actual,
            }
        }
    }

    fn take(&self) -> Option<T> {
        self.lock().take()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<T>> {
        self.slot
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::Barrier;

    #[test]
    fn an_offer_with_nobody_waiting_is_given_back_and_closes_the_hand_off() {
        let h = Handoff::new();
        assert_eq!(h.offer(7, Duration::ZERO), Err(7));
        // A waiter that comes later does not wait and gets nothing.
        let start = Instant::now();
        assert_eq!(h.wait(Duration::from_secs(5)), None);
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn a_waiting_thread_takes_the_offer() {
        let h = Handoff::new();
        let waiting = Barrier::new(2);
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                waiting.wait();
                h.wait(Duration::from_secs(30))
            });
            waiting.wait();
            // Offer once the waiter spins (or, if it is not there yet, the offer is
            // given back: both outcomes are checked to agree below).
            while h.state.load(Ordering::Acquire) == OPEN {
                std::hint::spin_loop();
            }
            assert_eq!(h.offer("walked", Duration::ZERO), Ok(()));
            assert_eq!(waiter.join().unwrap(), Some("walked"));
        });
    }

    #[test]
    fn an_offer_waits_within_its_budget_for_a_waiter_to_come() {
        let h = Handoff::new();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                std::thread::sleep(Duration::from_millis(5));
                h.wait(Duration::from_secs(30))
            });
            assert_eq!(h.offer("walked", Duration::from_secs(30)), Ok(()));
            assert_eq!(waiter.join().unwrap(), Some("walked"));
        });
    }

    #[test]
    fn an_offer_whose_budget_runs_out_is_given_back() {
        let h = Handoff::new();
        let start = Instant::now();
        assert_eq!(h.offer(3, Duration::from_millis(2)), Err(3));
        assert!(start.elapsed() >= Duration::from_millis(2));
        assert_eq!(h.wait(Duration::from_secs(5)), None);
    }

    #[test]
    fn a_yielding_waiter_takes_the_offer_and_a_second_waiter_gets_nothing() {
        let h = Handoff::new();
        std::thread::scope(|s| {
            let first = s.spawn(|| h.wait_paced(Duration::from_secs(30), true));
            while h.state.load(Ordering::Acquire) == OPEN {
                std::thread::yield_now();
            }
            // Another thread that comes to wait while the first one does: not it.
            assert_eq!(h.wait(Duration::from_secs(30)), None);
            assert_eq!(h.offer(5, Duration::ZERO), Ok(()));
            assert_eq!(first.join().unwrap(), Some(5));
        });
    }

    #[test]
    fn a_waiter_that_gave_up_leaves_the_value_with_the_offerer() {
        let h = Handoff::new();
        assert_eq!(h.wait(Duration::ZERO), None);
        assert_eq!(h.offer(1, Duration::ZERO), Err(1));
    }

    #[test]
    fn the_value_goes_to_exactly_one_side_whatever_the_timing() {
        // Three kinds of round: the waiter is known to spin before the offer (it must
        // take the value), the offer is made before the waiter starts (it must be
        // given back), and random sleeps and budgets, where the race may go either
        // way: in every round the value comes out exactly once, from `wait` or back
        // from `offer`.
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..300u64 {
            let h = Handoff::new();
            let taken = AtomicUsize::new(0);
            let kind = round % 3;
            let (budget, offer_budget, wait_after, offer_after) = match kind {
                0 => (
                    Duration::from_secs(30),
                    Duration::ZERO,
                    Duration::ZERO,
                    Duration::ZERO,
                ),
                1 => (
                    Duration::from_micros(next() % 200),
                    Duration::ZERO,
                    Duration::from_micros(next() % 300),
                    Duration::from_micros(next() % 300),
                ),
                _ => (
                    Duration::from_micros(next() % 200),
                    Duration::from_micros(next() % 200),
                    Duration::from_micros(next() % 300),
                    Duration::from_micros(next() % 300),
                ),
            };
            let offered = Barrier::new(2);
            let back = std::thread::scope(|s| {
                s.spawn(|| {
                    if kind == 1 {
                        offered.wait();
                    }
                    std::thread::sleep(wait_after);
                    if let Some(v) = h.wait(budget) {
                        assert_eq!(v, round);
                        taken.fetch_add(1, Ordering::SeqCst);
                    }
                });
                if kind == 0 {
                    while h.state.load(Ordering::Acquire) == OPEN {
                        std::thread::yield_now();
                    }
                }
                std::thread::sleep(offer_after);
                let back = h.offer(round, offer_budget);
                if kind == 1 {
                    offered.wait();
                }
                back
            });
            match back {
                Ok(()) => {
                    assert_ne!(kind, 1, "round {round}: handed with nobody waiting");
                    assert_eq!(taken.load(Ordering::SeqCst), 1, "round {round}");
                }
                Err(v) => {
                    assert_ne!(kind, 0, "round {round}: kept from a spinning waiter");
                    assert_eq!(v, round);
                    assert_eq!(taken.load(Ordering::SeqCst), 0, "round {round}");
                }
            }
        }
    }
}
