/* airwrite platform: the group commit of POST /api/v1/orders (order_commit.c,
 * docs/ARCHITECTURE.md "Group commit of orders"), the part of the public
 * header platform.h that reports its figures. Orders whose calls passed the
 * chain wait for one transaction and one sync shared with the orders that
 * arrived meanwhile (on the committer's thread when the API has an order_db,
 * else on the loop thread); each is answered after that commit. With an
 * order_db the other routes' calls join the same transactions with their
 * chain's writes (nonce, daily quota), their handlers running after it. */
#ifndef AIRWRITE_PLATFORM_PLATFORM_ORDER_COMMIT_H
#define AIRWRITE_PLATFORM_PLATFORM_ORDER_COMMIT_H

#include <stdint.h>

#define PLATFORM_ORDER_COMMIT_BATCH_MAX 64u      /* calls (orders and others) per shared transaction */
#define PLATFORM_ORDER_COMMIT_DELAY_MAX_MS 1000u /* platform_api_config.order_commit_delay_ms */
#define PLATFORM_ORDER_COMMIT_THREADS_MAX 8u     /* platform_api_config.order_db */

/* Counters since the API was created. */
typedef struct platform_order_commit_stats {
    uint64_t batches;        /* shared transactions run (committed or not) */
    uint64_t submissions;    /* calls that waited in one (orders, refusals among them,
                              * and other routes' calls) */
    uint64_t largest_batch;  /* most calls in one transaction */
    uint64_t failed_batches; /* transactions that failed whole: every call answered the error */
    /* transactions run again with a savepoint per call after a statement
     * failed or an order was refused after its first write (order_commit.c) */
    uint64_t rerun_batches;
} platform_order_commit_stats;

struct platform_api;
/* The counters of api's group commit; all zero for a NULL api. */
void platform_api_order_commit_stats(const struct platform_api *api,
                                     platform_order_commit_stats *out);

#endif
