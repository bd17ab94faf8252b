/* airwritectl cards enable / disable / delete / switch: card operations of
 * the northbound API (platform.h "Card operations", docs/lifecycle.md "Card
 * operations": each one eIM PSMO, SGP.32 2.11.1.1), on the routes of
 * docs/openapi.yaml:
 *   POST /api/v1/cards/{eid}/operations        -> 202 CardOperation (accepted)
 *   GET  /api/v1/cards/{eid}/operations/{id}   the operation, until it ends
 * The operands come first: "cards enable EID ICCID [options]", "cards
 * switch EID ICCID TO_ICCID [options]". --wait follows the operation until
 * it succeeded or failed (every --interval seconds, at most --timeout
 * seconds) and exits 0 only when it succeeded: a failed operation exits
 * CTL_EXIT_WRITE with its W code and the eUICC's result named. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/airwritectl.h"

#define PATH_LIMIT 1024u
#define BODY_LIMIT 160u
#define WAIT_DEFAULT_INTERVAL_S 1
#define WAIT_DEFAULT_TIMEOUT_S 600
#define WAIT_MAX_S 86400

static const char *member_string(const json_t *object, const char *name)
{
    const char *value = json_string_value(json_object_get(object, name));
    return value != NULL ? value : "";
}

/* A CardOperation (docs/openapi.yaml) for people, one line. */
static void print_operation(const json_t *op)
{
    const char *to = member_string(op, "toIccid"), *code = member_string(op, "errorCode");
    const char *result = member_string(op, "euiccResult");
    printf("%s %s %s%s%s on %s: %s%s%s%s%s\n", member_string(op, "operationId"),
           member_string(op, "operation"), member_string(op, "iccid"), *to ? " -> " : "", to,
           member_string(op, "eid"), member_string(op, "status"), *code ? " " : "", code,
           *result ? " euiccResult " : "", result);
}

static bool operation_ended(const json_t *op)
{
    const char *status = member_string(op, "status");
    return strcmp(status, "succeeded") == 0 || strcmp(status, "failed") == 0;
}

/* Follow the operation at path until it ends: *op its last state (owned). */
static int wait_for_end(ctl_session *session, const char *path, double interval_s,
                        int64_t timeout_s, json_t **op)
{
    int64_t start = ctl_monotonic_ms(), interval_ms = (int64_t)(interval_s * 1000);
    for (;;) {
        ctl_request request = {.method = AW_HTTP_METHOD_GET, .path = path};
        ctl_response response;
        int status = ctl_session_call(session, &request, &response);
        if (status != CTL_EXIT_OK)
            return status;
        if (member_string(response.json, "status")[0] == '\0') {
            ctl_response_clear(&response);
            return ctl_fail_answer(session);
        }
        json_decref(*op);
        *op = json_incref(response.json);
        ctl_response_clear(&response);
        if (operation_ended(*op))
            return CTL_EXIT_OK;
        if (ctl_monotonic_ms() - start + interval_ms > timeout_s * 1000) {
            fprintf(stderr, "airwritectl: %s: --timeout passed, the operation is %s\n",
                    session->command, member_string(*op, "status"));
            return CTL_EXIT_WATCH_TIMEOUT;
        }
        ctl_sleep_ms(interval_ms);
    }
}

static int card_operation(int argc, char **argv, const char *operation, const char *command)
{
    static const char *const options[] = {"--idempotency-key", "--interval", "--timeout", NULL};
    size_t wanted = strcmp(operation, "switch") == 0 ? 3 : 2;
    if ((size_t)argc < wanted) {
        fprintf(stderr, "airwritectl: %s: needs EID ICCID%s first\n", command,
                wanted == 3 ? " TO_ICCID" : "");
        return CTL_EXIT_USAGE;
    }
    for (size_t i = 0; i < wanted; i++)
        if (strncmp(argv[i], "--", 2) == 0) {
            fprintf(stderr, "airwritectl: %s: needs EID ICCID%s first\n", command,
                    wanted == 3 ? " TO_ICCID" : "");
            return CTL_EXIT_USAGE;
        }
    /* --wait is this command's own flag: the rest goes to the common parser */
    char **rest = calloc((size_t)argc + 1, sizeof(*rest));
    if (rest == NULL)
        return ctl_fail_local(command, "memory", AW_ERR_NOMEM);
    int rest_count = 0;
    bool wait = false;
    for (int i = (int)wanted; i < argc; i++) {
        if (strcmp(argv[i], "--wait") == 0)
            wait = true;
        else
            rest[rest_count++] = argv[i];
    }
    ctl_args args;
    double interval_s = WAIT_DEFAULT_INTERVAL_S;
    int64_t timeout_s = WAIT_DEFAULT_TIMEOUT_S;
    char path[PATH_LIMIT], op_path[PATH_LIMIT], body[BODY_LIMIT];
    bool ok = ctl_args_parse(rest_count, rest, options, NULL, 0, &args) &&
              ctl_parse_interval(args.interval, &interval_s) &&
              ctl_parse_integer("--timeout", args.timeout, 1, WAIT_MAX_S, &timeout_s) &&
              ctl_format_path("/api/v1/cards", argv[0], "/operations", path, sizeof(path));
    free(rest);
    if (!ok)
        return CTL_EXIT_USAGE;
    /* the ICCIDs are digits (the API checks them): nothing to escape */
    json_t *request_body = json_pack("{s:s, s:s}", "operation", operation, "iccid", argv[1]);
    if (request_body != NULL && wanted == 3)
        json_object_set_new(request_body, "toIccid", json_string(argv[2]));
    char *text = request_body != NULL ? json_dumps(request_body, JSON_COMPACT) : NULL;
    json_decref(request_body);
    if (text == NULL || strlen(text) >= sizeof(body)) {
        free(text);
        fprintf(stderr, "airwritectl: %s: ICCID too long\n", command);
        return CTL_EXIT_USAGE;
    }
    snprintf(body, sizeof(body), "%s", text);
    free(text);
    ctl_session session;
    int status = ctl_session_open(&args, command, &session);
    if (status != CTL_EXIT_OK)
        return status;
    ctl_request request = {.method = AW_HTTP_METHOD_POST, .path = path,
                           .body = (const uint8_t *)body, .body_len = strlen(body),
                           .idempotency_key = args.idempotency_key};
    ctl_response response;
    json_t *op = NULL;
    if ((status = ctl_session_call(&session, &request, &response)) == CTL_EXIT_OK) {
        if (member_string(response.json, "operationId")[0] == '\0')
            status = ctl_fail_answer(&session);
        else
            op = json_incref(response.json);
        ctl_response_clear(&response);
    }
    if (status == CTL_EXIT_OK && wait &&
        ctl_format_path(path, member_string(op, "operationId"), NULL, op_path, sizeof(op_path)))
        status = wait_for_end(&session, op_path, interval_s, timeout_s, &op);
    if (op != NULL && (status == CTL_EXIT_OK || status == CTL_EXIT_WATCH_TIMEOUT)) {
        if (args.json)
            ctl_print_json(op);
        else
            print_operation(op);
        if (status == CTL_EXIT_OK && strcmp(member_string(op, "status"), "failed") == 0)
            status = CTL_EXIT_WRITE; /* its W4xxx code (docs/api-errors.md) */
    }
    json_decref(op);
    ctl_session_close(&session);
    return status;
}

int ctl_cards_enable_command(int argc, char **argv)
{
    return card_operation(argc, argv, "enable", "cards enable");
}

int ctl_cards_disable_command(int argc, char **argv)
{
    return card_operation(argc, argv, "disable", "cards disable");
}

int ctl_cards_delete_command(int argc, char **argv)
{
    return card_operation(argc, argv, "delete", "cards delete");
}

int ctl_cards_switch_command(int argc, char **argv)
{
    return card_operation(argc, argv, "switch", "cards switch");
}
