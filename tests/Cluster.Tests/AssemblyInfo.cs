// Every test class starts its own three server processes and a redis-server; on a 2-core machine they run one
// class at a time so failure-timing conditions (kill under load, Redis restart) are not distorted by each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
