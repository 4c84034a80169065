//! Blueprints loaded once per catalog and shared between threads.
//!
//! Loading a blueprint compiles its templates on the rayon pool. A rayon thread that
//! waits for that work runs other queued jobs meanwhile, and during `drift -r` those
//! jobs are other repositories' audits, which ask for the same blueprint. A lock held
//! across the load would then be taken again by the thread that holds it and hang the
//! run. So the map's lock is held only to read or change a slot, never while loading:
//! another thread waits on a condition variable (it runs no rayon jobs while it waits,
//! so it cannot be the one the loader needs), and the loading thread itself, if rayon
//! hands it a job that asks for the blueprint it is loading, loads a private copy
//! instead of waiting for itself.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, ThreadId};

enum Slot<T> {
    Loading(ThreadId),
    Ready(Arc<T>),
}

pub(crate) struct Shared<T> {
    slots: Mutex<HashMap<String, Slot<T>>>,
    settled: Condvar,
}

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Shared {
            slots: Mutex::new(HashMap::new()),
            settled: Condvar::new(),
        }
    }
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Slot<T>>> {
        self.slots
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The value for `key`, loading it with `load` the first time. Failures are not
    /// remembered: each caller gets the full error, and a later call tries again.
    pub(crate) fn get_or_load<E>(
        &self,
        key: &str,
        load: impl FnOnce() -> Result<T, E>,
    ) -> Result<Arc<T>, E> {
        let me = thread::current().id();
        let mut slots = self.lock();
        loop {
            match slots.get(key) {
                Some(Slot::Ready(value)) => return Ok(Arc::clone(value)),
                Some(Slot::Loading(owner)) if *owner == me => {
                    drop(slots);
                    return load().map(Arc::new);
                }
                Some(Slot::Loading(_)) => {
                    slots = self
                        .settled
                        .wait(slots)
                        .unwrap_or_else(|poisoned| poisoned.into_inner());
                }
                None => break,
            }
        }
        slots.insert(key.to_string(), Slot::Loading(me));
        drop(slots);
        // Clears the slot if `load` panics, so waiters load it themselves rather than
        // wait forever.
        let mut pending = Pending {
            shared: self,
            key,
            value: None,
        };
        let result = load().map(Arc::new);
        pending.value = result.as_ref().ok().cloned();
        drop(pending);
        result
    }
}

struct Pending<'a, T> {
    shared: &'a Shared<T>,
    key: &'a str,
    value: Option<Arc<T>>,
}

impl<T> Drop for Pending<'_, T> {
    fn drop(&mut self) {
        let mut slots = self.shared.lock();
        match self.value.take() {
            Some(value) => {
                slots.insert(self.key.to_string(), Slot::Ready(value));
            }
            None => {
                slots.remove(self.key);
            }
        }
        drop(slots);
        self.shared.settled.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn loads_once_for_many_threads() {
        let shared: Shared<u32> = Shared::default();
        let loads = AtomicUsize::new(0);
        thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    let v = shared
                        .get_or_load("bp", || {
                            loads.fetch_add(1, Ordering::SeqCst);
                            thread::sleep(std::time::Duration::from_millis(20));
                            Ok::<_, ()>(7)
                        })
                        .unwrap();
                    assert_eq!(*v, 7);
                });
            }
        });
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_reentrant_load_on_the_loading_thread_does_not_wait_for_itself() {
        // What rayon's work stealing can do to the loading thread; with a lock held
        // across the load (the code before this module) this call never returned.
        let shared: Shared<u32> = Shared::default();
        let v = shared
            .get_or_load("bp", || {
                let inner = shared.get_or_load("bp", || Ok::<_, ()>(1)).unwrap();
                Ok::<_, ()>(*inner + 1)
            })
            .unwrap();
        assert_eq!(*v, 2);
        // The outer load is the one remembered.
        assert_eq!(*shared.get_or_load("bp", || Ok::<_, ()>(9)).unwrap(), 2);
    }

    #[test]
    fn rayon_jobs_that_load_with_parallel_work_complete() {
        // The shape of `drift -r` over many repositories of one blueprint: every other
        // job loads the shared blueprint, whose load runs parallel work. Whether the
        // loading thread is handed another loading job while it waits depends on
        // scheduling, so this is a smoke test; the test above pins the case that hung.
        use rayon::prelude::*;
        use std::sync::mpsc;
        use std::time::Duration;
        let (done, finished) = mpsc::channel();
        thread::spawn(move || {
            let shared: Shared<usize> = Shared::default();
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(4)
                .build()
                .unwrap();
            let total: usize = pool.install(|| {
                (0..64usize)
                    .into_par_iter()
                    .map(|i| {
                        if i % 2 == 0 {
                            thread::sleep(Duration::from_millis(2));
                            return 0;
                        }
                        *shared
                            .get_or_load("bp", || {
                                Ok::<_, ()>(
                                    (0..64usize)
                                        .into_par_iter()
                                        .map(|_| {
                                            thread::sleep(Duration::from_millis(1));
                                            1
                                        })
                                        .sum(),
                                )
                            })
                            .unwrap()
                    })
                    .sum()
            });
            let _ = done.send(total);
        });
        let total = finished
            .recv_timeout(Duration::from_secs(60))
            .expect("loading a shared value from rayon jobs hung");
        assert_eq!(total, 32 * 64);
    }

    #[test]
    fn failures_are_not_remembered_and_a_panic_frees_the_slot() {
        let shared: Shared<u32> = Shared::default();
        assert_eq!(
            shared.get_or_load("bp", || Err("broken")).unwrap_err(),
            "broken"
        );
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = shared.get_or_load("bp", || -> Result<u32, ()> { panic!("boom") });
        }));
        assert!(caught.is_err());
        assert_eq!(*shared.get_or_load("bp", || Ok::<_, ()>(3)).unwrap(), 3);
    }
}
