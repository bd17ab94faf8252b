/* libFuzzer target: the eIM's ESipa JSON binding (src/eim/esipa_json.c,
 * eim_esipa_json_serve: SGP.32 6.4.1.5 GetEimPackage, 6.4.1.6
 * ProvideEimPackageResult, and the download functions that reach the relay
 * without an SM-DP+: 6.4.1.2 AuthenticateClient, 6.4.1.3
 * GetBoundProfilePackage, 6.4.1.8 CancelSession, whose transactionId no
 * download here has) on an in-memory SQLite registry holding one eUICC
 * (EID AW_PKI_DEFAULT_EID, no certificate, so no result it is sent can
 * verify and nothing is ever forwarded to an SM-DP+) with one download
 * trigger queued. The first byte picks the function (modulo 5: get,
 * provide, authenticateClient, getBoundProfilePackage, cancelSession;
 * InitiateAuthentication and HandleNotification would reach out to the
 * addresses they carry). Properties checked beyond "no crash": every
 * request is answered with one JSON object whose
 * header.functionExecutionStatus.status is Executed-Success, with at most
 * one answer member, or Failed with statusCodeData, naming the member when
 * the request was malformed (1.2 / 2.x). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "eim/eim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static db_connection *db;
static pki_trust_store *trust;
static eim_relay *relay;

static void setup(void)
{
    eim_euicc record;
    memset(&record, 0, sizeof(record));
    memcpy(record.eid, AW_PKI_DEFAULT_EID, sizeof(AW_PKI_DEFAULT_EID));
    memcpy(record.eim_id, "fuzz.eim", 9);
    memcpy(record.signing_key, "eim", 4);
    eim_batch batch = {.records = &record, .count = 1};
    eim_download_trigger trigger = {.kind = EIM_DOWNLOAD_ACTIVATION_CODE,
                                    .activation_code = "1$smdp.example.com$FUZZ"};
    /* no SM-DP+ is ever called (see above); the CA file is not read */
    eim_relay_config config = {.ca_file = "/nonexistent-ca.pem"};
    if (db_open("sqlite::memory:", NULL, &db) != AW_OK || eim_migrate(db) != AW_OK ||
        pki_trust_store_new(&trust) != AW_OK ||
        eim_registry_import(db, &batch, NULL, db_clock_ms(), NULL) != AW_OK ||
        eim_package_enqueue_download_trigger(db, AW_PKI_DEFAULT_EID, &trigger, db_clock_ms(),
                                             NULL) != AW_OK ||
        eim_relay_new(&config, &relay) != AW_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (db == NULL)
        setup();
    if (size < 1)
        return 0;
    static const char *const paths[] = {
        EIM_ESIPA_JSON_PREFIX "getEimPackage", EIM_ESIPA_JSON_PREFIX "provideEimPackageResult",
        EIM_ESIPA_JSON_PREFIX "authenticateClient",
        EIM_ESIPA_JSON_PREFIX "getBoundProfilePackage", EIM_ESIPA_JSON_PREFIX "cancelSession"};
    const char *path = paths[data[0] % 5u];
    eim_context context = {.db = db, .trust = trust};
    char *json = NULL;
    size_t json_len = 0;
    if (eim_esipa_json_serve(relay, &context, path, data + 1, size - 1, db_clock_ms(), &json,
                             &json_len, NULL) != AW_OK)
        abort(); /* an in-memory database does not fail */
    json_t *root = json_loadb(json, json_len, 0, NULL);
    json_t *status = json_object_get(json_object_get(root, "header"), "functionExecutionStatus");
    const char *text = json_string_value(json_object_get(status, "status"));
    if (root == NULL || text == NULL)
        abort();
    if (strcmp(text, "Executed-Success") == 0) {
        if (json_object_size(root) > 2)
            abort();
    } else {
        json_t *codes = json_object_get(status, "statusCodeData");
        const char *subject = json_string_value(json_object_get(codes, "subjectCode"));
        const char *reason = json_string_value(json_object_get(codes, "reasonCode"));
        bool malformed = subject != NULL && reason != NULL && strcmp(subject, "1.2") == 0 &&
                         reason[0] == '2';
        if (strcmp(text, "Failed") != 0 || subject == NULL || reason == NULL ||
            malformed != (json_object_get(codes, "subjectIdentifier") != NULL))
            abort();
    }
    json_decref(root);
    free(json);
    return 0;
}
