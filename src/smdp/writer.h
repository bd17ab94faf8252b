/* airwrite SM-DP+ daemon: the database writer of the ES9+ endpoint, a
 * thread with its own db_connection that commits the state changes ES9+
 * requests make (backend.h: the binding of SGP.22 3.1.3 step 17 marks the
 * order downloaded, the ProfileInstallationResult of 5.6.4 marks it
 * installed, refusals and cancellations (5.6.3, 3.5) put it in error, each
 * with its ES2+ HandleDownloadProgressInfo, 5.3.5) off the event loop.
 *
 * Why: each such commit is durable (SQLite synchronous=FULL: an fsync of
 * the WAL, about 0.8 ms; PostgreSQL: a round trip and the server's WAL
 * flush) and must stay so, because the answer tells the LPA the state
 * holds: a lost "downloaded" could bind one profile to two eUICCs, a lost
 * "installed" the final state of the order. On the loop thread that wait
 * stalls every other session. Here the loop hands the changes over and
 * answers the request only when its commit returned (or failed), and the
 * writer commits all requests waiting at once in one transaction (group
 * commit): one fsync for all of them, each request in its own savepoint so
 * that a refused change (e.g. a state that moved on) fails only its own
 * request. If the grouped transaction itself fails, every request is
 * retried in a transaction of its own. Completions come back to the loop
 * through a pipe (no thread-aware event_base needed).
 *
 * The loop keeps reading on its own connection: SQLite WAL readers do not
 * wait for the writer, and an LPA's next request of a session only comes
 * after the answer, i.e. after the commit. */
#ifndef AIRWRITE_SMDP_WRITER_H
#define AIRWRITE_SMDP_WRITER_H

#include <stdint.h>

#include "core/error.h"
#include "smdp/backend.h"

struct event_base;

/* Most requests committed in one transaction. */
#define SMDP_WRITER_BATCH_MAX 64u

typedef struct smdp_writer smdp_writer;

/* Called on the loop thread (or in smdp_writer_free) once the changes of a
 * submission are committed (AW_OK: durable) or were refused (the error of
 * smdp_backend_changes_apply or of the commit; nothing of them holds). */
typedef void (*smdp_writer_done)(void *userdata, aw_err result);

typedef struct smdp_writer_stats {
    uint64_t submitted;     /* submissions accepted */
    uint64_t committed;     /* submissions whose changes are durable */
    uint64_t failed;        /* submissions refused */
    uint64_t transactions;  /* commits made (grouped or single) */
    uint64_t cpu_ns;        /* CPU time of the writer thread so far */
} smdp_writer_stats;

/* Open database_url a second time and start the thread (named
 * "smdp-writer" for profilers); completions are
 * delivered on base. AW_ERR_DB_* from db_open, AW_ERR_NOMEM, AW_ERR_IO
 * when the pipe or the thread cannot be made. */
aw_err smdp_writer_new(struct event_base *base, const char *database_url, smdp_writer **out);

/* Queue changes (borrowed until done is called; count > 0) from the loop
 * thread. AW_ERR_STATE once the writer is being freed. */
aw_err smdp_writer_submit(smdp_writer *writer, const smdp_backend_changes *changes,
                          smdp_writer_done done, void *userdata);

void smdp_writer_get_stats(smdp_writer *writer, smdp_writer_stats *out);

/* Commit everything queued, call the remaining done callbacks on the
 * calling thread, stop the thread and close. NULL-safe. */
void smdp_writer_free(smdp_writer *writer);

#endif
