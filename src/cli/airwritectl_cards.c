/* airwritectl cards get / history / find: the information query of the
 * northbound API (《物联网 eSIM 空中写卡技术应用服务规范》 信息查询: cards by
 * EID, ICCID, IMSI or MSISDN, and their lifecycle history,
 * docs/lifecycle.md), on the routes of docs/openapi.yaml:
 *   GET /api/v1/cards/{eid}            one Card with its profiles
 *   GET /api/v1/cards/{eid}/history    HistoryPage {eid, events, nextCursor}
 *   GET /api/v1/cards?iccid=|imsi=|msisdn=   CardPage {cards, nextCursor}:
 *                                      the cards holding such a profile
 * Pages are followed until nextCursor is null. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/airwritectl.h"

#define PATH_LIMIT 1024u
#define PAGE_SIZE PLATFORM_QUERY_PAGE_MAX /* cards and history per page, the API's maximum */

static const char *member_string(const json_t *object, const char *name)
{
    const char *value = json_string_value(json_object_get(object, name));
    return value != NULL ? value : "";
}

/* A Card (docs/openapi.yaml) for people, its profiles one a line. */
static void print_card(const json_t *card)
{
    char created[40], updated[40];
    ctl_format_time(json_integer_value(json_object_get(card, "createdAt")), created,
                    sizeof(created));
    ctl_format_time(json_integer_value(json_object_get(card, "updatedAt")), updated,
                    sizeof(updated));
    const json_t *profiles = json_object_get(card, "profiles");
    printf("eid: %s\nstate: %s\ncreated: %s\nupdated: %s\nprofiles: %zu\n",
           member_string(card, "eid"), member_string(card, "state"), created, updated,
           json_array_size(profiles));
    size_t i;
    const json_t *p;
    json_array_foreach(profiles, i, p)
    {
        const char *imsi = member_string(p, "imsi"), *msisdn = member_string(p, "msisdn");
        const char *order = member_string(p, "orderId");
        printf("  %s %s %s%s%s%s%s%s%s\n", member_string(p, "iccid"), member_string(p, "state"),
               member_string(p, "profileType"), *imsi ? " imsi " : "", imsi,
               *msisdn ? " msisdn " : "", msisdn, *order ? " order " : "", order);
    }
}

static int print_cards(const ctl_session *session, const json_t *result)
{
    if (session->json)
        return ctl_print_json(result) ? CTL_EXIT_OK
                                      : ctl_fail_local(session->command, "output", AW_ERR_NOMEM);
    const json_t *cards = json_object_get(result, "cards");
    size_t i;
    const json_t *card;
    json_array_foreach(cards, i, card)
    {
        print_card(card);
        printf("\n");
    }
    printf("%zu card%s\n", json_array_size(cards), json_array_size(cards) == 1 ? "" : "s");
    return CTL_EXIT_OK;
}

/* One transition a line: time, machine, entity, from -> to, cause, actor. */
static int print_history(const ctl_session *session, const json_t *result)
{
    if (session->json) {
        return ctl_print_json(result) ? CTL_EXIT_OK
                                      : ctl_fail_local(session->command, "output", AW_ERR_NOMEM);
    }
    const json_t *events = json_object_get(result, "events");
    size_t i;
    const json_t *e;
    json_array_foreach(events, i, e)
    {
        char when[40];
        ctl_format_time(json_integer_value(json_object_get(e, "at")), when, sizeof(when));
        const char *from = json_string_value(json_object_get(e, "from"));
        printf("%s %s %s %s -> %s (%s; %s)\n", when, member_string(e, "machine"),
               member_string(e, "entityId"), from != NULL ? from : "(created)",
               member_string(e, "to"), member_string(e, "cause"), member_string(e, "actor"));
    }
    printf("%zu transition%s\n", json_array_size(events), json_array_size(events) == 1 ? "" : "s");
    return CTL_EXIT_OK;
}

int ctl_cards_get_command(int argc, char **argv)
{
    ctl_args args;
    char path[PATH_LIMIT];
    if (!ctl_args_parse(argc, argv, NULL, NULL, 1, &args) ||
        !ctl_format_path("/api/v1/cards", args.positional, NULL, path, sizeof(path)))
        return CTL_EXIT_USAGE;
    ctl_session session;
    int status = ctl_session_open(&args, "cards get", &session);
    if (status != CTL_EXIT_OK)
        return status;
    ctl_request request = {.method = AW_HTTP_METHOD_GET, .path = path};
    ctl_response response;
    if ((status = ctl_session_call(&session, &request, &response)) == CTL_EXIT_OK) {
        if (member_string(response.json, "eid")[0] == '\0')
            status = ctl_fail_answer(&session);
        else if (args.json)
            ctl_print_json(response.json);
        else
            print_card(response.json);
    }
    ctl_response_clear(&response);
    ctl_session_close(&session);
    return status;
}

int ctl_cards_history_command(int argc, char **argv)
{
    ctl_args args;
    char path[PATH_LIMIT];
    if (!ctl_args_parse(argc, argv, NULL, NULL, 1, &args) ||
        !ctl_format_path("/api/v1/cards", args.positional, "/history", path, sizeof(path)))
        return CTL_EXIT_USAGE;
    ctl_session session;
    int status = ctl_session_open(&args, "cards history", &session);
    if (status != CTL_EXIT_OK)
        return status;
    json_t *events = NULL, *result = NULL;
    if ((status = ctl_session_fetch_all(&session, path, "", "events", PAGE_SIZE, &events)) ==
            CTL_EXIT_OK &&
        (result = json_pack("{s:s, s:O}", "eid", args.positional, "events", events)) == NULL)
        status = ctl_fail_local("cards history", "memory", AW_ERR_NOMEM);
    if (status == CTL_EXIT_OK)
        status = print_history(&session, result);
    json_decref(events);
    json_decref(result);
    ctl_session_close(&session);
    return status;
}

int ctl_cards_find_command(int argc, char **argv)
{
    static const char *const options[] = {"--iccid", "--imsi", "--msisdn", NULL};
    ctl_args args;
    if (!ctl_args_parse(argc, argv, options, NULL, 0, &args))
        return CTL_EXIT_USAGE;
    const char *name = args.iccid != NULL ? "iccid" : args.imsi != NULL ? "imsi" : "msisdn";
    const char *value = args.iccid != NULL ? args.iccid : args.imsi != NULL ? args.imsi
                                                                            : args.msisdn;
    int given = (args.iccid != NULL) + (args.imsi != NULL) + (args.msisdn != NULL);
    char encoded[128], filter[160];
    if (given != 1 || ctl_encode_component(value, encoded, sizeof(encoded)) != AW_OK) {
        fprintf(stderr, "airwritectl: cards find: needs exactly one of --iccid, --imsi, "
                        "--msisdn\n");
        return CTL_EXIT_USAGE;
    }
    snprintf(filter, sizeof(filter), "%s=%s", name, encoded);
    ctl_session session;
    int status = ctl_session_open(&args, "cards find", &session);
    if (status != CTL_EXIT_OK)
        return status;
    json_t *cards = NULL, *result = NULL;
    if ((status = ctl_session_fetch_all(&session, "/api/v1/cards", filter, "cards", PAGE_SIZE,
                                        &cards)) == CTL_EXIT_OK &&
        (result = json_pack("{s:O}", "cards", cards)) == NULL)
        status = ctl_fail_local("cards find", "memory", AW_ERR_NOMEM);
    if (status == CTL_EXIT_OK)
        status = print_cards(&session, result);
    json_decref(cards);
    json_decref(result);
    ctl_session_close(&session);
    return status;
}
