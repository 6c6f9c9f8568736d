//! A smoke test of the async PostgreSQL harbor on a throwaway local cluster: it stores a run
//! and reads back what the sync harbor reads from the same store.

use conformance::toolkit::sample;
use conformance::{ErrorKind, Limani, Revision};
use limani_contract::AsyncLimani;
use reference::{PgServer, PgStore};

const RUN: &str = "run-async";

/// What the sync `postgres` client serves (it blocks on a runtime of its own): used and
/// dropped off the test's runtime.
struct Blocking<T>(Option<T>);

impl<T> Blocking<T> {
    fn get(&self) -> &T {
        self.0.as_ref().expect("not dropped yet")
    }

    fn run<R>(&self, f: impl FnOnce(&T) -> R) -> R {
        tokio::task::block_in_place(|| f(self.get()))
    }
}

impl<T> Drop for Blocking<T> {
    fn drop(&mut self) {
        let kept = self.0.take();
        tokio::task::block_in_place(|| drop(kept));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_async_harbor_reads_what_the_sync_one_reads() {
    let server = match tokio::task::block_in_place(PgServer::local) {
        Ok(server) => Blocking(Some(server)),
        Err(why) => {
            reference::unavailable("postgres", &why);
            return;
        }
    };
    let store = Blocking(Some(PgStore::fresh(server.get().url()).unwrap()));
    let harbor = store.get().open_async().await.unwrap();
    harbor.init_db().await.unwrap();
    harbor.connect().await.unwrap();

    let run = sample::run(RUN, Revision::Chaos07);
    assert_eq!(harbor.create_run(&run).await.unwrap(), RUN);
    let host = harbor.get_or_create_host(RUN, "Dionysus").await.unwrap();
    assert_eq!(
        harbor.get_or_create_host(RUN, "Dionysus").await.unwrap(),
        host
    );
    let operation = sample::operation(RUN, host, "Install nginx", 1769462954.25);
    harbor.insert_operation(&operation).await.unwrap();
    let stray = sample::operation(RUN, host + 1000, "Install nginx", 1769462955.5);
    let refused = harbor.insert_operation(&stray).await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::UnknownHost, "{refused}");

    let data = harbor.get_run_data(RUN).await.unwrap();
    let hosts = data
        .as_ref()
        .map(|d| d.hosts.as_slice())
        .unwrap_or_default();
    assert_eq!(hosts.len(), 1, "{data:?}");
    assert_eq!(hosts[0].operations.len(), 1, "{data:?}");
    let sync = store.run(|store| store.open().unwrap().get_run_data(RUN).unwrap());
    assert_eq!(data, sync);
    harbor.disconnect().await.unwrap();
}
