/* Calls sent together to the platform's group commit (src/platform/
 * order_commit.c), each from a thread of its own released at once, so that
 * they share a batch (test code only; after platform_api_testutil.h,
 * whose fixture it reads). Included by test_platform_order_commit.c and
 * test_platform_chain_commit.c. */
#ifndef AIRWRITE_TESTS_PLATFORM_COMMIT_TESTUTIL_H
#define AIRWRITE_TESTS_PLATFORM_COMMIT_TESTUTIL_H

#include <pthread.h>

#define COMMIT_SEND_THREADS_MAX 8

/* Every sending thread waits here until all are ready: pthread_barrier_wait
 * right before its request. */
static pthread_barrier_t start_line;

/* send(calls + i * stride) for i in 0..n, each on its own thread; back
 * when all are answered (or gave up), with the committer's counters they
 * moved in delta (largest_batch: the largest so far). */
static void send_together_with(void *(*send)(void *), void *calls, size_t stride, size_t n,
                               platform_order_commit_stats *delta)
{
    platform_order_commit_stats before, after;
    platform_api_order_commit_stats(fx.api, &before);
    pthread_t threads[COMMIT_SEND_THREADS_MAX];
    assert_true(n > 0 && n <= COMMIT_SEND_THREADS_MAX);
    assert_int_equal(pthread_barrier_init(&start_line, NULL, (unsigned)n), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, send, (char *)calls + i * stride), 0);
    for (size_t i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
    pthread_barrier_destroy(&start_line);
    platform_api_order_commit_stats(fx.api, &after);
    delta->batches = after.batches - before.batches;
    delta->submissions = after.submissions - before.submissions;
    delta->largest_batch = after.largest_batch;
    delta->failed_batches = after.failed_batches - before.failed_batches;
    delta->rerun_batches = after.rerun_batches - before.rerun_batches;
}

#endif
