// The conformance cases measure timing-sensitive behaviour (keepalive, rate limits, timeouts) against in-process
// servers; running test classes concurrently on a 2-core machine would make them flaky.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
