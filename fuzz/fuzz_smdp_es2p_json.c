/* libFuzzer target: the ES2+ JSON binding of the SM-DP+
 * (src/smdp/es2p_json.c over es2p.c, SGP.22 6.5.2.1-6.5.2.4).
 * Input: one selector byte (function: 0 downloadOrder, 1 confirmOrder,
 * 2 cancelOrder, 3 releaseProfile; bit 2 set: no X-Admin-Protocol header;
 * bit 3 set: an operator caller (client certificate subject, order
 * lifetime: es2p_json_handle_for), else the administrative form),
 * then the request body. Runs against a migrated, empty in-memory SQLite
 * inventory, so every input sees the same state (no order can succeed and
 * change it). Properties checked beyond "no crash": a response is always
 * produced, status 200 with one JSON object whose
 * header.functionExecutionStatus.status is "Failed" with string
 * subjectCode, reasonCode and message. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "smdp/es2p.h"
#include "smdp/es2p_json.h"
#include "smdp/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_check(bool ok)
{
    if (!ok)
        abort();
}

static db_connection *fuzz_database(void)
{
    static db_connection *db;
    if (db == NULL) {
        fuzz_check(db_open("sqlite::memory:", NULL, &db) == AW_OK);
        fuzz_check(smdp_inventory_migrate(db) == AW_OK);
        fuzz_check(smdp_es2p_migrate(db) == AW_OK);
    }
    return db;
}

static void fuzz_check_response(const es9p_json_response *response)
{
    fuzz_check(response->http_status == 200 && response->body != NULL);
    json_t *root = json_loadb(response->body, response->body_len, 0, NULL);
    fuzz_check(json_is_object(root));
    json_t *status = json_object_get(json_object_get(root, "header"), "functionExecutionStatus");
    const char *text = json_string_value(json_object_get(status, "status"));
    fuzz_check(text != NULL && strcmp(text, "Failed") == 0);
    json_t *code = json_object_get(status, "statusCodeData");
    fuzz_check(json_is_string(json_object_get(code, "subjectCode")) &&
               json_is_string(json_object_get(code, "reasonCode")) &&
               json_is_string(json_object_get(code, "message")));
    json_decref(root);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    es2p_function function = (es2p_function)(ES2P_FUNCTION_DOWNLOAD_ORDER + (data[0] & 3));
    const char *admin = (data[0] & 4) != 0 ? NULL : "gsma/rsp/v2.2.0";
    es9p_json_response response;
    es2p_json_context context = {.smdp_address = "smdp.example.com"};
    if ((data[0] & 8) != 0) {
        context.caller_subject = "CN=Fuzz Operator,O=Operator";
        context.order_lifetime_ms = 1000;
    }
    aw_err err = es2p_json_handle_for(fuzz_database(), &context,
                                      es2p_json_function_path(function), admin, data + 1,
                                      size - 1, 1767225600000, &response);
    fuzz_check(err == AW_OK || err == AW_ERR_NOMEM);
    if (err == AW_OK)
        fuzz_check_response(&response);
    es9p_json_response_clear(&response);
    return 0;
}
