/* airwrite platform: the order executor's interface, part of the
 * platform's one public header (included at the end of platform/platform.h;
 * include that, not this). */
#ifndef AIRWRITE_PLATFORM_PLATFORM_EXECUTOR_H
#define AIRWRITE_PLATFORM_PLATFORM_EXECUTOR_H

/* ---- Executor (executor_store.c, executor.c, executor_item.c,
 *      executor_notify.c) ------------------------------------------------- */

/* Executes order items (docs/lifecycle.md "Order item"): per item, SGP.22
 * ES2+ DownloadOrder (5.3.1) and ConfirmOrder with releaseFlag true (5.3.2)
 * to the SM-DP+ over mutual TLS, then the Activation Code
 * "1$<SM-DP+ address>$<matchingId>" (SGP.22 4.1) queued at the eIM as a
 * Profile Download Trigger (SGP.32 2.11.3) on the eIM's database; the item
 * is in_progress until the SM-DP+'s ES2+ HandleDownloadProgressInfo
 * (SGP.22 5.3.5) to this platform, its operator, says installed (written)
 * or failed, or until its result time runs out (failed, W3003).
 *
 * Work travels in core's job queue (db_queue.h, queue
 * PLATFORM_EXECUTOR_QUEUE): one job per item, written in the transaction
 * that creates the order (or retries its failed items), run by worker
 * threads under a lease, retried with backoff on transport failures. Each
 * step is recorded with the item (platform_executor_items: ICCID,
 * Matching ID, stage) before the next one starts, so a job run again after
 * a crash or a lost lease resumes where the last one stopped: an ES2+ order
 * already made for the item is reused, never made twice (a DownloadOrder
 * repeated after a crash before its answer was stored carries the same
 * functionCallIdentifier, and the SM-DP+ answers it with the profile the
 * first call took). A watch job per round reads what the eIM recorded for
 * the item's Activation Code: a verified installation writes the item even
 * if the SM-DP+'s notification is lost, a download the device reported
 * failed is triggered again (download_attempts). An item that fails after
 * DownloadOrder (eIM refusal, timeout, ...) has its ES2+ order cancelled
 * (SGP.22 5.3.3, profile back to Available) as far as the SM-DP+ answers. */

#define PLATFORM_EXECUTOR_QUEUE "platform.executor"
#define PLATFORM_EXECUTOR_DEFAULT_WORKERS 2u
#define PLATFORM_EXECUTOR_DEFAULT_RESULT_TIMEOUT_MS (30 * 60 * 1000)
#define PLATFORM_EXECUTOR_DEFAULT_LEASE_MS 120000
#define PLATFORM_EXECUTOR_DEFAULT_MAX_ATTEMPTS 5
#define PLATFORM_EXECUTOR_ATTEMPTS_CEILING 20
#define PLATFORM_EXECUTOR_BACKOFF_MS 2000
#define PLATFORM_EXECUTOR_DEFAULT_POLL_MS 500u
#define PLATFORM_EXECUTOR_DEFAULT_WATCH_MS 10000
#define PLATFORM_EXECUTOR_DEFAULT_DOWNLOAD_ATTEMPTS 3
#define PLATFORM_EXECUTOR_NOTIFY_PATH "/gsma/rsp2/es2plus/handleDownloadProgressInfo"
#define PLATFORM_EXECUTOR_NOTIFY_BODY_MAX (16u * 1024u)
#define PLATFORM_ICCID_MAX 20u
#define PLATFORM_MATCHING_ID_MAX 64u

/* Create or upgrade the executor's table (db_migrate component
 * "platform_executor"); platform_migrate calls it. */
aw_err platform_executor_migrate(db_connection *db);

/* Queue the jobs of count items of order_id (order creation and retry
 * call it inside their transaction), several per statement
 * (db_queue_enqueue_batch). AW_ERR_ARGUMENT for a NULL argument or count 0. */
aw_err platform_executor_enqueue_items(db_connection *db, const char *order_id,
                                       const char (*eids)[PLATFORM_EID_DIGITS + 1], size_t count,
                                       int64_t now_ms);

/* Queue a withdrawal job for each of count items of order_id still in
 * progress when the order is cancelled (its cancel's transaction calls
 * it): an item whose Profile Download Trigger waits at the eIM, not yet
 * handed to the device, has it withdrawn, its ES2+ order cancelled and
 * ends cancelled; one the device already took is left to finish
 * (executor_item.c). AW_ERR_ARGUMENT as platform_executor_enqueue_items. */
aw_err platform_executor_enqueue_withdrawals(db_connection *db, const char *order_id,
                                             const char (*eids)[PLATFORM_EID_DIGITS + 1],
                                             size_t count, int64_t now_ms);

/* What the executor recorded for an item. */
typedef struct platform_executor_item {
    int64_t round;                          /* executions so far (a retry starts another) */
    char stage[16];                         /* started, confirming, ordered, confirmed,
                                             * triggered, done */
    char iccid[PLATFORM_ICCID_MAX + 1];     /* "" until DownloadOrder answered */
    char matching_id[PLATFORM_MATCHING_ID_MAX + 1];
    char smdp_address[256];
    char msisdn[16];                        /* a numberPool order's reserved number, else "" */
    int64_t deadline_ms;                    /* result time limit once triggered, else 0 */
} platform_executor_item;

/* AW_ERR_NOT_FOUND: the item never started. */
aw_err platform_executor_item_get(db_connection *db, const char *order_id, const char *eid,
                                  platform_executor_item *item);

/* Failure codes of items (W: 写卡异常, docs/api-errors.md "Write codes"). */
typedef enum platform_item_error {
    PLATFORM_ITEM_PROFILE_TYPE_UNKNOWN = 0, /* W1001 SM-DP+ 8.2.5 / 3.9 */
    PLATFORM_ITEM_PROFILE_UNAVAILABLE,      /* W1002 SM-DP+ 8.2.5 / 3.7 */
    PLATFORM_ITEM_SMDP_REFUSED,             /* W1003 any other ES2+ refusal */
    PLATFORM_ITEM_SMDP_UNREACHABLE,         /* W1004 no valid ES2+ answer after the retries */
    PLATFORM_ITEM_EIM_REFUSED,              /* W2001 the eIM refused the trigger (EID unknown) */
    PLATFORM_ITEM_EIM_UNAVAILABLE,          /* W2002 the eIM database failed after the retries */
    PLATFORM_ITEM_DOWNLOAD_FAILED,          /* W3001 notification point 1-3 failed */
    PLATFORM_ITEM_INSTALLATION_FAILED,      /* W3002 notification point 4 failed */
    PLATFORM_ITEM_RESULT_TIMEOUT,           /* W3003 no result within the result time */
    PLATFORM_ITEM_ERROR__COUNT
} platform_item_error;

/* "W1001", ...; NULL outside the enum. */
const char *platform_item_error_code(platform_item_error error);
/* Fixed English text; NULL outside the enum. */
const char *platform_item_error_message(platform_item_error error);

typedef struct platform_executor_config {
    const char *database_url;       /* required: the platform's database (migrated) */
    const char *eim_database_url;   /* required: the eIM's database (eim.h) */
    const char *smdp_es2p_url;      /* required: "https://host:port" of the SM-DP+'s ES2+ */
    /* SM-DP+ address of the Activation Code when ConfirmOrder returns none
     * (SGP.22 6.5.2.2 smdpAddress is optional); required. */
    const char *smdp_address;
    const char *ca_file;            /* required: CA certificates the SM-DP+'s TLS chains to */
    const char *certificate_file;   /* required: the platform's TLS client certificate */
    const char *key_file;           /* and its key (mutual TLS, SGP.22 2.6.6) */
    const char *requester_identifier; /* functionRequesterIdentifier; required */
    /* The notification endpoint accepts only these RFC 2253 client
     * certificate subjects (the SM-DP+'s); NULL: any certificate the
     * server's client CA verified. Borrowed for the executor's life. */
    const char *const *smdp_subjects;
    size_t smdp_subject_count;
    unsigned workers;               /* 0: PLATFORM_EXECUTOR_DEFAULT_WORKERS, at most 64 */
    int64_t result_timeout_ms;      /* 0: PLATFORM_EXECUTOR_DEFAULT_RESULT_TIMEOUT_MS */
    int64_t lease_ms;               /* 0: PLATFORM_EXECUTOR_DEFAULT_LEASE_MS */
    /* Attempts of an item's job on transport failures (the SM-DP+ or the
     * eIM's database out of reach), 1..PLATFORM_EXECUTOR_ATTEMPTS_CEILING;
     * the retries wait PLATFORM_EXECUTOR_BACKOFF_MS, doubling. After the
     * last the item fails (W1004, W2002). 0: the default. */
    int64_t max_attempts;
    unsigned poll_ms;               /* 0: PLATFORM_EXECUTOR_DEFAULT_POLL_MS */
    /* A triggered item also watches the eIM's record of its triggers
     * (eim_download_trigger_status) every watch_ms: the eUICC's verified
     * PIR there writes (or fails, W3002) the item when the SM-DP+'s
     * notification never comes (the PIR did not reach the SM-DP+, e.g. its
     * session was lost in a crash); a download the IPA reported failed
     * without a PIR (profileDownloadError: the eIM or SM-DP+ out of reach
     * mid-download) is triggered again with the same Activation Code (the
     * SM-DP+ keeps a released or downloaded order for another attempt,
     * SGP.22 3.1.3), up to download_attempts triggers per round, then the
     * item fails W3001. Later watches of a long wait come at half the
     * time waited, up to ten times watch_ms apart.
     * 0: PLATFORM_EXECUTOR_DEFAULT_WATCH_MS. */
    int64_t watch_ms;
    /* 1..PLATFORM_EXECUTOR_ATTEMPTS_CEILING; 0: the default. */
    int64_t download_attempts;
    unsigned http_timeout_ms;       /* one ES2+ exchange; 0: http_client's default */
    int64_t (*clock)(void *userdata); /* ms since the Unix epoch; NULL: db_clock_ms */
    void *clock_userdata;
    const char *worker_name;        /* lease owner prefix; NULL: "executor" */
    /* Card operations (platform.h "Card operations", card_ops_run.c): with
     * the eIM's signing keys (borrowed for the executor's life) the workers
     * also run their steps; NULL: they are left to another process. */
    const struct eim_key_ring *eim_keys;
    int64_t card_op_timeout_ms;     /* 0: PLATFORM_CARD_OPS_DEFAULT_RESULT_TIMEOUT_MS */
    /* Graded exceptions (platform_exceptions.h): with a policy (borrowed)
     * the workers run the sweep job every policy->sweep_interval_ms
     * (escalation past the time limits, devices silent at the eIM); NULL:
     * left to another process. */
    const struct platform_exception_policy *exceptions;
    /* Location-bound writing (location_policy.h, borrowed): the gate before
     * an item's DownloadOrder and a card operation's enable/switch; NULL or
     * not enabled: no location check. */
    const struct platform_location_config *location;
    /* Card-device locking (platform_device_lock.h, borrowed): the sweep job
     * also takes bindings to the eIM and, with the policy enabled, its
     * mismatches; NULL: off (bindings still go to the eIM). */
    const struct platform_device_lock_policy *device_lock;
} platform_executor_config;

typedef struct platform_executor platform_executor;

/* Check the configuration, open the notification endpoint's database
 * connection and each worker's connections (platform, eIM, ES2+ client
 * with its credential loaded). The configuration's strings are borrowed
 * for the executor's life.
 * AW_ERR_ARGUMENT for a missing or out-of-range setting; db_open and
 * http_client_new errors. Nothing runs yet. */
aw_err platform_executor_new(const platform_executor_config *config, platform_executor **out);

/* Route POST PLATFORM_EXECUTOR_NOTIFY_PATH on server, before it listens.
 * The server must be HTTPS with client_ca_file set to the CA of the
 * SM-DP+'s TLS client certificate (mutual TLS, SGP.22 2.6.6); the handler
 * runs on the server's loop thread with the executor's own connection. The
 * executor must outlive the server's last request. Errors of
 * http_server_route. */
aw_err platform_executor_register_notifications(platform_executor *executor,
                                                http_server *server);

/* Start the worker threads. AW_ERR_STATE if running; AW_ERR_NOMEM. */
aw_err platform_executor_start(platform_executor *executor);
/* Ask the workers to look for jobs now (any thread; NULL-safe). */
void platform_executor_wake(platform_executor *executor);
/* Stop and join the workers after their current job (NULL-safe). */
void platform_executor_stop(platform_executor *executor);
/* Stops first. NULL-safe. */
void platform_executor_free(platform_executor *executor);

typedef struct platform_executor_stats {
    int64_t started;       /* items whose ES2+ order and trigger are done (in_progress) */
    int64_t failed;        /* items failed by a step or a timeout */
    int64_t retried;       /* jobs put back for a later attempt */
    int64_t skipped;       /* jobs with nothing left to do (item already past them) */
    int64_t cancelled;     /* ES2+ orders of failed items cancelled at the SM-DP+ */
    int64_t retriggered;   /* downloads triggered again after a profileDownloadError */
    int64_t withdrawn;     /* items of cancelled orders ended cancelled before the device
                            * took their trigger (withdrawn at the eIM, or not yet sent) */
} platform_executor_stats;

/* The outcomes so far (all passes and threads); any thread. */
void platform_executor_get_stats(platform_executor *executor, platform_executor_stats *out);

/* One pass on the calling thread at now_ms: claim and run the due jobs
 * (up to limit) as the first worker. For tests and tools; not while the
 * threads run (AW_ERR_STATE). stats may be NULL. */
aw_err platform_executor_run_once(platform_executor *executor, int64_t now_ms, size_t limit,
                                  platform_executor_stats *stats);

/* The notification endpoint without HTTP (SGP.22 6.5.2.5): peer_subject is
 * the verified client certificate subject. *http_status receives 204 (a
 * notification taken, also a repeat) or 200 with *answer (malloc'd JSON,
 * NULL for 204) holding a Failed functionExecutionStatus: 1 / 2.1 or 2.2
 * for a malformed body, 8.2.1 / 3.9 for an ICCID of no item, 8.1.1 / 3.10
 * for an EID other than the item's; 403 without body for a subject not
 * allowed. Runs on one thread at a time (the loop thread). AW_ERR_* only
 * for database or memory failures (the HTTP handler answers 500 then). */
aw_err platform_executor_handle_notification(platform_executor *executor,
                                             const char *peer_subject, const uint8_t *body,
                                             size_t len, int64_t now_ms, int *http_status,
                                             char **answer);

#endif
