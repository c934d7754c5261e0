//! The store on a thread of its own: the actor hands it work and awaits the answer, so a slow
//! disk or a far database never blocks the runtime's threads, and the order of saves is the
//! order the actor asked for them.

use tokio::sync::{mpsc, oneshot};

use crate::store::{SessionStore, StoreError};

type Job = Box<dyn FnOnce(&mut dyn SessionStore) + Send>;

/// How many pieces of work may wait for the store (the actor awaits each, so few do).
const DEPTH: usize = 64;

/// The actor's way to its store.
pub(super) struct StoreLink {
    jobs: mpsc::Sender<Job>,
}

impl StoreLink {
    /// Moves `store` onto its thread; the thread ends when the last link is dropped.
    pub(super) fn start(mut store: Box<dyn SessionStore>) -> std::io::Result<StoreLink> {
        let (jobs, mut rx) = mpsc::channel::<Job>(DEPTH);
        std::thread::Builder::new()
            .name("avatar-store".into())
            .spawn(move || {
                while let Some(job) = rx.blocking_recv() {
                    job(store.as_mut());
                }
            })?;
        Ok(StoreLink { jobs })
    }

    /// Runs `f` on the store and waits for its answer.
    pub(super) async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut dyn SessionStore) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |store| {
            let _ = tx.send(f(store));
        });
        let gone = || StoreError::Unreachable("the store's thread has stopped".into());
        self.jobs.send(job).await.map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }
}
