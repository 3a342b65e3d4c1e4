import DeliveryLog
import Queue
import ServiceLifecycle

/// Wakes the engine when another process commits to the store: `cchc` approving, retrying, cancelling
/// or resolving, which the engine must see without waiting for its next due time.
///
/// The hint is the store's (``Queue/Store/commitHints()``), the same one that wakes the delivery-log
/// exporter; it replaced the wake file `cchc` used to touch. Commits in this process are not followed
/// here: the inbox, the listener and the web app wake the engine themselves, and the engine's own
/// commits must not wake it.
public struct StoreChangeFollower: Service {
    let store: any Store
    let engine: Engine

    public init(store: any Store, engine: Engine) {
        self.store = store
        self.engine = engine
    }

    public func run() async {
        for await hint in store.commitHints().cancelOnGracefulShutdown() where hint == .elsewhere {
            engine.wake()
        }
    }
}
