/* Run a call on an event loop thread and wait for it (test code only), for
 * tests whose server runs its libevent loop in a thread of its own. The
 * base must be thread-aware (evthread_use_pthreads before event_base_new).
 * A header of its own rather than part of http_testutil.h, which includes
 * it: the eUICC fixtures (euicc_isdr_testutil.h) have a test_write_pem of
 * another shape, so they cannot include http_testutil.h. */
#ifndef AIRWRITE_TESTS_LOOP_TESTUTIL_H
#define AIRWRITE_TESTS_LOOP_TESTUTIL_H

#include "testutil.h"

#include <pthread.h>
#include <stdbool.h>
#include <sys/time.h>

#include <event2/event.h>

/* test_on_loop: run fn(arg) on base's loop thread and wait for it. A server
 * on a running loop is freed there: evhttp is not safe to free from another
 * thread while its loop may be closing a connection (seen: ASan's double
 * free when a client dropped the TLS handshake and the test freed the
 * server meanwhile). Also for any other call the server allows only on its
 * loop thread (e.g. a key ring reload). The mutex hand-off makes what fn
 * wrote visible to the caller. */
typedef struct test_loop_call {
    void (*fn)(void *);
    void *arg;
    pthread_mutex_t lock;
    pthread_cond_t done_cond;
    bool done;
} test_loop_call;

static inline void test_loop_call_run(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    test_loop_call *call = arg;
    call->fn(call->arg);
    pthread_mutex_lock(&call->lock);
    call->done = true;
    pthread_cond_signal(&call->done_cond);
    pthread_mutex_unlock(&call->lock);
}

static inline void test_on_loop(struct event_base *base, void (*fn)(void *), void *arg)
{
    test_loop_call call = {.fn = fn, .arg = arg};
    pthread_mutex_init(&call.lock, NULL);
    pthread_cond_init(&call.done_cond, NULL);
    const struct timeval now = {0, 0};
    assert_int_equal(event_base_once(base, -1, EV_TIMEOUT, test_loop_call_run, &call, &now), 0);
    pthread_mutex_lock(&call.lock);
    while (!call.done)
        pthread_cond_wait(&call.done_cond, &call.lock);
    pthread_mutex_unlock(&call.lock);
    pthread_cond_destroy(&call.done_cond);
    pthread_mutex_destroy(&call.lock);
}

#endif
