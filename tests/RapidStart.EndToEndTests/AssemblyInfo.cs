// Each test class runs its own local host (Kestrel, Durable sidecar, Azurite traffic). On a 2-core
// machine several at once starve each other into timeouts that say nothing about the product, so
// the classes run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
