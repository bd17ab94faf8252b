/* airwrite platform: group commit of POST /api/v1/orders (order_commit.c),
 * internal to the router (api.c, api_orders.c). docs/ARCHITECTURE.md "Group
 * commit of orders" describes the design. */
#ifndef AIRWRITE_PLATFORM_ORDER_COMMIT_H
#define AIRWRITE_PLATFORM_ORDER_COMMIT_H

#include "core/crypto.h"
#include "platform/platform_internal.h"

struct event_base;
typedef struct platform_order_committer platform_order_committer;

/* One call of POST /api/v1/orders that passed the chain, handed over by its
 * handler: its request is deferred until the shared commit. */
typedef struct platform_order_submission {
    api_call call;                  /* the chain's: writes_deferred set */
    const char *idempotency_key;    /* the request's header; NULL: none */
    platform_batch *batch;          /* taken; NULL when parsing made none */
    uint8_t request_hash[CRYPTO_SHA256_SIZE];
    /* AW_OK: an order to create; otherwise the refusal to answer once the
     * call's writes (nonce, quota) are recorded */
    aw_err refused;
    /* a call of another route (platform_order_commit_submit_call): only
     * the chain's writes commit, then its handler runs again */
    bool resume;
    /* a call the chain refused, its answer set (platform_order_commit_refuse):
     * only its writes commit, then that answer goes out */
    bool answered;
} platform_order_submission;

/* A committer for api's orders on base (NULL: each order commits alone in
 * its handler), waiting delay_ms for more orders. thread_dbs[0..thread_count)
 * (borrowed, open on api's database; thread_count 0..
 * PLATFORM_ORDER_COMMIT_THREADS_MAX): the transactions run on that many
 * threads of the committer's own, one connection each; with none, on the
 * loop thread with api's connection. AW_ERR_NOMEM, AW_ERR_IO (no pipe for
 * the threads' signal). */
aw_err platform_order_committer_new(platform_api *api, struct event_base *base,
                                    unsigned delay_ms, db_connection *const *thread_dbs,
                                    size_t thread_count, platform_order_committer **out);

/* Free; the thread's transaction running finishes first; orders still
 * waiting are dropped uncommitted and their requests completed (only freed:
 * the server, gone first, answered them 503). NULL-safe. */
void platform_order_committer_free(platform_order_committer *committer);

/* From the handler: defer the request and queue it for the next shared
 * commit (run now when the batch is full). Takes submission->batch. */
void platform_order_commit_submit(platform_order_committer *committer,
                                  platform_order_submission *submission);

/* Whether the chain left call writes to commit (nonce, quota). */
bool platform_order_commit_call_has_writes(const api_call *call);
/* Whether calls of the other routes leave their chain's writes to the
 * shared commit too (platform_order_commit_submit_call): with committer
 * threads, so that no call syncs on the loop thread before its handler. */
bool platform_order_committer_takes_calls(const platform_order_committer *committer);
/* From the chain (api.c), a call of any route but POST /api/v1/orders that
 * passed it with its nonce and quota deferred: the request is deferred and
 * queued as an order is; once they commit, the route's handler runs again
 * (http_request_redispatch) with api->resuming naming this call, and the
 * chain hands it the call as passed; a replay, the quota or a failed
 * commit is answered instead. */
void platform_order_commit_submit_call(platform_order_committer *committer, const api_call *call);
/* From the handler, a call the chain refused after its signature verified,
 * its answer set: the writes it deferred (nonce, quota) still commit. With
 * committer threads in the shared transaction, the request deferred until
 * it is over (a flood of refused calls, over their rate limit say, then
 * costs the loop no sync each); without, alone at once, as the chain would
 * have. The refusal stands whatever they do. */
void platform_order_commit_refuse(platform_order_committer *committer, api_call *call);

/* api_orders.c: the answer to one call once its commit is over: err (AW_OK:
 * the order, a repeat when !created), with batch's line errors for
 * AW_ERR_PLATFORM_EID, Retry-After for a quota refusal. */
void platform_api_order_answer(api_call *call, aw_err err, int64_t retry_after_s,
                               const platform_batch *batch, const platform_order *order,
                               bool created);

#endif
