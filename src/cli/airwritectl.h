/* airwritectl: what its command files share (the tool's own header, not a
 * library's): the commands over the northbound API (airwritectl_api.c:
 * token, dead letters; airwritectl_orders.c: orders; airwritectl_cards.c:
 * cards; airwritectl_callbacks.c: callbacks), their option
 * parser, and the session that opens the API client from options and
 * environment and reports failures with their exit status
 * (airwritectl_client.h CTL_EXIT_*, docs/airwritectl.md). */
#ifndef AIRWRITE_CLI_AIRWRITECTL_H
#define AIRWRITE_CLI_AIRWRITECTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cli/airwritectl_client.h"

/* Options of the API commands. Every one takes the connection options
 * (CTL_CONNECTION_OPTIONS); each names the others it takes. */
typedef struct ctl_args {
    const char *url;
    const char *ca;
    const char *app_id;
    const char *secret_file;
    const char *suite;     /* the app's crypto suite: international or domestic (issue 8) */
    const char *token_cache;
    const char *max_wait;
    const char *timeout;
    const char *csv;
    const char *profile_type;
    const char *number_pool;
    const char *idempotency_key;
    const char *status;
    const char *limit;     /* order list: at most this many, newest first */
    const char *interval;
    const char *iccid;
    const char *imsi;
    const char *msisdn;
    /* exceptions and review (airwritectl_exceptions.c) */
    const char *error_class;
    const char *grade;
    const char *note;
    const char *text_file;
    const char *attach;
    const char *period;
    const char *from;
    const char *to;
    const char *format;
    bool json;
    bool show;
    bool renew;
    bool no_token_cache;
    bool latency;
    const char *positional;  /* the command's one operand (an id), or NULL */
} ctl_args;

/* Parse argv: "--name VALUE" for names in options, "--name" alone for names
 * in flags (both NULL-terminated, the connection options always allowed),
 * and at most positionals operands. Prints why and returns false on misuse
 * (the secret given on the command line included). */
bool ctl_args_parse(int argc, char **argv, const char *const *options, const char *const *flags,
                    size_t positionals, ctl_args *out);

/* A client opened from the options and the environment (AIRWRITE_URL,
 * AIRWRITE_CA_FILE, AIRWRITE_APP_ID, AIRWRITE_SUITE, AIRWRITE_APP_SECRET,
 * AIRWRITE_APP_SECRET_FILE, AIRWRITE_TOKEN_CACHE). */
typedef struct ctl_session {
    ctl_client *client;
    bool json;
    const char *command;   /* "order get", for messages */
} ctl_session;

/* CTL_EXIT_OK, or the exit status after printing why. */
int ctl_session_open(const ctl_args *args, const char *command, ctl_session *session);
void ctl_session_close(ctl_session *session);

/* Call; on failure print the error (and with --json its body on stdout) and
 * return the exit status; CTL_EXIT_OK with response filled otherwise. */
int ctl_session_call(ctl_session *session, const ctl_request *request, ctl_response *response);

/* GET path page by page (limit page_size, the cursor of each answer's
 * nextCursor until it is null; filter: more encoded parameters or ""),
 * gathering each page's array member into *all (a new array). On failure
 * (printed) *all is NULL. */
int ctl_session_fetch_all(ctl_session *session, const char *path, const char *filter,
                          const char *member, unsigned page_size, json_t **all);

/* Report an error of the client (as ctl_session_call does). */
int ctl_session_fail(const ctl_session *session, const ctl_error *error);

/* Report an answer that is not the JSON the command expects
 * (CTL_EXIT_TRANSPORT). */
int ctl_fail_answer(const ctl_session *session);

/* Report a local failure (exit CTL_EXIT_USAGE, or status). */
int ctl_fail_local(const char *command, const char *what, aw_err err);

/* One JSON value on stdout, compact, one line. false when it cannot be
 * written. */
bool ctl_print_json(const json_t *value);

/* "2026-12-01T08:20:54.123Z" from ms since the Unix epoch. */
void ctl_format_time(int64_t ms, char *out, size_t cap);

/* A path "PREFIX/ID[SUFFIX]" with ID percent-encoded. false (and printed)
 * when it does not fit. */
bool ctl_format_path(const char *prefix, const char *id, const char *suffix, char *out,
                     size_t cap);

/* Integer option in min..max; NULL text keeps *out. Prints why on failure. */
bool ctl_parse_integer(const char *name, const char *text, int64_t min, int64_t max,
                       int64_t *out);

/* --interval: seconds from 0.1 to 3600, fractions allowed (order watch,
 * cards --wait); NULL text keeps *out. Prints why on failure. */
bool ctl_parse_interval(const char *text, double *out);

/* Monotonic milliseconds, and a sleep that resumes after signals. */
int64_t ctl_monotonic_ms(void);
void ctl_sleep_ms(int64_t ms);

/* The commands (argc/argv after "GROUP COMMAND"). */
int ctl_token_command(int argc, char **argv);
int ctl_order_submit_command(int argc, char **argv);
int ctl_order_get_command(int argc, char **argv);
int ctl_order_items_command(int argc, char **argv);
int ctl_order_list_command(int argc, char **argv);
int ctl_order_watch_command(int argc, char **argv);
int ctl_order_cancel_command(int argc, char **argv);
int ctl_order_retry_command(int argc, char **argv);
int ctl_dead_letters_list_command(int argc, char **argv);
int ctl_dead_letters_replay_command(int argc, char **argv);
int ctl_cards_get_command(int argc, char **argv);
int ctl_cards_history_command(int argc, char **argv);
int ctl_cards_find_command(int argc, char **argv);
/* airwritectl_card_ops.c: enable, disable, delete, switch (helper cardops) */
int ctl_cards_enable_command(int argc, char **argv);
int ctl_cards_disable_command(int argc, char **argv);
int ctl_cards_delete_command(int argc, char **argv);
int ctl_cards_switch_command(int argc, char **argv);
int ctl_callbacks_register_command(int argc, char **argv);
int ctl_callbacks_list_command(int argc, char **argv);
int ctl_callbacks_delete_command(int argc, char **argv);
int ctl_exceptions_list_command(int argc, char **argv);
int ctl_exceptions_show_command(int argc, char **argv);
int ctl_exceptions_ack_command(int argc, char **argv);
int ctl_exceptions_handle_command(int argc, char **argv);
int ctl_exceptions_resolve_command(int argc, char **argv);
int ctl_exceptions_close_command(int argc, char **argv);
int ctl_exceptions_report_command(int argc, char **argv);
int ctl_review_command(int argc, char **argv);
int ctl_keys_generate_command(int argc, char **argv);
int ctl_keys_rotate_command(int argc, char **argv);
int ctl_keys_status_command(int argc, char **argv);

struct db_connection;
/* Open an existing database (a mistyped SQLite path is not created);
 * failures printed with the URL redacted. 0 or CTL_EXIT_USAGE. */
int ctl_open_existing_database(const char *url, struct db_connection **db);

#endif
