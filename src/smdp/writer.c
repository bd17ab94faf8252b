/* airwrite SM-DP+ daemon: the database writer thread with group commit of
 * the ES9+ state changes (SGP.22 3.1.3, 3.5, 5.3.5, 5.6), see writer.h. */
#include "smdp/writer.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "core/db.h"

typedef struct smdp_write {
    const smdp_backend_changes *changes;
    smdp_writer_done done;
    void *userdata;
    aw_err result;
    struct smdp_write *next;
} smdp_write;

/* A FIFO of submissions. */
typedef struct smdp_write_list {
    smdp_write *head;
    smdp_write *tail;
} smdp_write_list;

struct smdp_writer {
    db_connection *db;          /* the thread's own connection */
    struct event *completion;   /* read end of pipe_fds on the loop */
    int pipe_fds[2];
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool thread_started;
    bool stopping;              /* under lock */
    smdp_write_list queued;     /* under lock: waiting for the thread */
    smdp_write_list finished;   /* under lock: waiting for the loop */
    smdp_writer_stats stats;    /* under lock */
};

static void smdp_write_list_append(smdp_write_list *list, smdp_write *write)
{
    write->next = NULL;
    if (list->tail != NULL)
        list->tail->next = write;
    else
        list->head = write;
    list->tail = write;
}

static void smdp_write_list_join(smdp_write_list *list, smdp_write_list *more)
{
    if (more->head == NULL)
        return;
    if (list->tail != NULL)
        list->tail->next = more->head;
    else
        list->head = more->head;
    list->tail = more->tail;
    more->head = more->tail = NULL;
}

static aw_err smdp_writer_apply(db_connection *db, void *arg)
{
    return smdp_backend_changes_apply(db, arg);
}

/* One submission in a savepoint of the open transaction: its refusal
 * (write->result) rolls back only its own changes. AW_OK unless the
 * savepoint itself failed, which ends the group. */
static aw_err smdp_writer_apply_savepoint(db_connection *db, smdp_write *write)
{
    aw_err err = db_execute(db, "SAVEPOINT smdp_write", NULL, 0, NULL);
    if (err != AW_OK)
        return err;
    write->result = smdp_backend_changes_apply(db, write->changes);
    if (write->result != AW_OK)
        err = db_execute(db, "ROLLBACK TO SAVEPOINT smdp_write", NULL, 0, NULL);
    if (err == AW_OK)
        err = db_execute(db, "RELEASE SAVEPOINT smdp_write", NULL, 0, NULL);
    return err;
}

/* Commit a batch: one transaction for all (one fsync), or, when that
 * fails as a whole (e.g. a PostgreSQL serialization failure), one
 * transaction per submission with db_transaction_run's retries. */
static uint64_t smdp_writer_commit(smdp_writer *w, smdp_write *batch)
{
    aw_err err = db_begin(w->db);
    for (smdp_write *write = batch; err == AW_OK && write != NULL; write = write->next)
        err = smdp_writer_apply_savepoint(w->db, write);
    if (err == AW_OK)
        err = db_commit(w->db);
    if (err == AW_OK)
        return 1;
    if (db_in_transaction(w->db))
        db_rollback(w->db);
    uint64_t transactions = 0;
    for (smdp_write *write = batch; write != NULL; write = write->next) {
        write->result = db_transaction_run(w->db, smdp_writer_apply, (void *)write->changes, NULL);
        transactions += write->result == AW_OK;
    }
    return transactions;
}

/* Tell the loop that finished holds something. A full pipe already has a
 * wake-up pending, so EAGAIN is fine. */
static void smdp_writer_signal(smdp_writer *w)
{
    const char byte = 1;
    ssize_t n;
    do {
        n = write(w->pipe_fds[1], &byte, 1);
    } while (n < 0 && errno == EINTR);
}

static void *smdp_writer_main(void *arg)
{
    smdp_writer *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (w->queued.head == NULL && !w->stopping)
            pthread_cond_wait(&w->wake, &w->lock);
        if (w->queued.head == NULL)
            break; /* stopping, and everything is committed */
        /* take what is waiting, up to a batch */
        smdp_write_list batch = {w->queued.head, w->queued.head};
        for (size_t n = 1; n < SMDP_WRITER_BATCH_MAX && batch.tail->next != NULL; n++)
            batch.tail = batch.tail->next;
        w->queued.head = batch.tail->next;
        if (w->queued.head == NULL)
            w->queued.tail = NULL;
        batch.tail->next = NULL;
        pthread_mutex_unlock(&w->lock);

        uint64_t transactions = smdp_writer_commit(w, batch.head);

        struct timespec cpu;
        uint64_t cpu_ns = 0;
        if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu) == 0)
            cpu_ns = (uint64_t)cpu.tv_sec * 1000000000u + (uint64_t)cpu.tv_nsec;
        pthread_mutex_lock(&w->lock);
        w->stats.transactions += transactions;
        w->stats.cpu_ns = cpu_ns;
        for (smdp_write *write = batch.head; write != NULL; write = write->next) {
            if (write->result == AW_OK)
                w->stats.committed++;
            else
                w->stats.failed++;
        }
        smdp_write_list_join(&w->finished, &batch);
        smdp_writer_signal(w);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/* Call the done callbacks of what has finished, in submission order. */
static void smdp_writer_deliver(smdp_writer *w)
{
    pthread_mutex_lock(&w->lock);
    smdp_write *write = w->finished.head;
    w->finished.head = w->finished.tail = NULL;
    pthread_mutex_unlock(&w->lock);
    while (write != NULL) {
        smdp_write *next = write->next;
        write->done(write->userdata, write->result);
        free(write);
        write = next;
    }
}

static void smdp_writer_on_completion(evutil_socket_t fd, short events, void *arg)
{
    (void)events;
    char drain[64];
    while (read(fd, drain, sizeof(drain)) > 0)
        ;
    smdp_writer_deliver(arg);
}

aw_err smdp_writer_new(struct event_base *base, const char *database_url, smdp_writer **out)
{
    if (out != NULL)
        *out = NULL;
    if (base == NULL || database_url == NULL || out == NULL)
        return AW_ERR_ARGUMENT;
    smdp_writer *w = calloc(1, sizeof(*w));
    if (w == NULL)
        return AW_ERR_NOMEM;
    w->pipe_fds[0] = w->pipe_fds[1] = -1;
    aw_err err = AW_ERR_IO;
    if (pthread_mutex_init(&w->lock, NULL) != 0) {
        free(w);
        return AW_ERR_IO;
    }
    if (pthread_cond_init(&w->wake, NULL) != 0) {
        pthread_mutex_destroy(&w->lock);
        free(w);
        return AW_ERR_IO;
    }
    if (pipe2(w->pipe_fds, O_NONBLOCK | O_CLOEXEC) != 0)
        goto fail;
    w->completion = event_new(base, w->pipe_fds[0], EV_READ | EV_PERSIST,
                              smdp_writer_on_completion, w);
    if (w->completion == NULL || event_add(w->completion, NULL) != 0)
        goto fail;
    err = db_open(database_url, NULL, &w->db);
    if (err != AW_OK)
        goto fail;
    err = AW_ERR_IO;
    if (pthread_create(&w->thread, NULL, smdp_writer_main, w) != 0)
        goto fail;
    w->thread_started = true;
    pthread_setname_np(w->thread, "smdp-writer"); /* a name for profilers only */
    *out = w;
    return AW_OK;
fail:
    smdp_writer_free(w);
    return err;
}

aw_err smdp_writer_submit(smdp_writer *writer, const smdp_backend_changes *changes,
                          smdp_writer_done done, void *userdata)
{
    if (writer == NULL || smdp_backend_changes_empty(changes) || done == NULL)
        return AW_ERR_ARGUMENT;
    smdp_write *write = calloc(1, sizeof(*write));
    if (write == NULL)
        return AW_ERR_NOMEM;
    write->changes = changes;
    write->done = done;
    write->userdata = userdata;
    pthread_mutex_lock(&writer->lock);
    bool stopping = writer->stopping;
    if (!stopping) {
        smdp_write_list_append(&writer->queued, write);
        writer->stats.submitted++;
        pthread_cond_signal(&writer->wake);
    }
    pthread_mutex_unlock(&writer->lock);
    if (stopping) {
        free(write);
        return AW_ERR_STATE;
    }
    return AW_OK;
}

void smdp_writer_get_stats(smdp_writer *writer, smdp_writer_stats *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof(*out));
    if (writer == NULL)
        return;
    pthread_mutex_lock(&writer->lock);
    *out = writer->stats;
    pthread_mutex_unlock(&writer->lock);
}

void smdp_writer_free(smdp_writer *writer)
{
    if (writer == NULL)
        return;
    if (writer->thread_started) {
        pthread_mutex_lock(&writer->lock);
        writer->stopping = true;
        pthread_cond_signal(&writer->wake);
        pthread_mutex_unlock(&writer->lock);
        pthread_join(writer->thread, NULL); /* after committing the queue */
    }
    smdp_writer_deliver(writer);
    if (writer->completion != NULL)
        event_free(writer->completion);
    for (int i = 0; i < 2; i++) {
        if (writer->pipe_fds[i] >= 0)
            close(writer->pipe_fds[i]);
    }
    db_close(writer->db);
    pthread_cond_destroy(&writer->wake);
    pthread_mutex_destroy(&writer->lock);
    free(writer);
}
