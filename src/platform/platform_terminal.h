/* airwrite platform: terminal reports of devices (终端异常 of
 * 《物联网 eSIM 空中写卡技术应用服务规范》, device and chip protection of the
 * group standard's security management part): the IPA reports each secure-
 * module firmware update it applied or refused to POST /terminal/v1/reports,
 * over HTTPS with mutual TLS, the device's client certificate naming its EID
 * (subject serialNumber, as SGP.22 4.5.2.1 does for the eUICC). A refusal
 * raises a terminal exception (T2001 tampered or untrusted package, T2002
 * downgrade or wrong module) for every tenant that holds the card; an
 * applied update is recorded only. docs/firmware-update.md. */
#ifndef AIRWRITE_PLATFORM_PLATFORM_TERMINAL_H
#define AIRWRITE_PLATFORM_PLATFORM_TERMINAL_H

#include "core/http_server.h"
#include "platform/platform.h"

#define PLATFORM_TERMINAL_REPORT_PATH "/terminal/v1/reports"
#define PLATFORM_TERMINAL_REPORT_BODY_MAX 4096u
#define PLATFORM_TERMINAL_MODULE_MAX 256u    /* bytes of UTF-8 (64 characters) */
#define PLATFORM_TERMINAL_CODE_MAX 40u
#define PLATFORM_TERMINAL_TIME_LENGTH 20u    /* "2026-12-01T12:00:00Z" */

typedef enum platform_terminal_kind {
    PLATFORM_TERMINAL_FIRMWARE_REFUSED = 1,
    PLATFORM_TERMINAL_FIRMWARE_APPLIED = 2,
} platform_terminal_kind;

/* A report as parsed: every member checked, strings copied. */
typedef struct platform_terminal_report {
    platform_terminal_kind kind;
    char eid[PLATFORM_EID_DIGITS + 1];
    char module[PLATFORM_TERMINAL_MODULE_MAX + 1];  /* "" when absent (refusals only) */
    int64_t from_version;
    bool has_to_version;                            /* always for applied */
    int64_t to_version;
    char code[PLATFORM_TERMINAL_CODE_MAX + 1];      /* refusals: an AW_ERR_FIRMWARE_* name */
    char manifest_sha256[65];                       /* "" when absent (refusals only) */
    char time[PLATFORM_TERMINAL_TIME_LENGTH + 1];
} platform_terminal_report;

/* Strict parse of a report body: one JSON object of at most
 * PLATFORM_TERMINAL_REPORT_BODY_MAX bytes, no duplicate or unknown member,
 * scalar members of the documented types and bounds. AW_ERR_TERMINAL_REPORT
 * otherwise (*out zeroed). */
aw_err platform_terminal_report_parse(const uint8_t *body, size_t len,
                                      platform_terminal_report *out);

/* The terminal exception code of a refusal code name: "T2002" for
 * AW_ERR_FIRMWARE_ROLLBACK, _SAME_VERSION and _MODULE, "T2001" for the other
 * AW_ERR_FIRMWARE_* names; NULL for anything else. */
const char *platform_terminal_exception_code(const char *refusal_code);

/* The EID a device certificate (DER) names in its subject serialNumber (32
 * digits, the only serialNumber) into eid, and the subject's one-line form
 * into subject; false when it names none (shared with the card-refusal
 * reports of card-device locking, device_lock_report.c). */
bool platform_terminal_certificate_eid(aw_slice der, char eid[PLATFORM_EID_DIGITS + 1],
                                       char *subject, size_t subject_size);

/* The body of a refusal on the terminal listener: a malloc'd JSON
 * {"code","message"} in *answer (shared by the terminal reports, the card
 * refusals of card-device locking and the terminal information). AW_OK or
 * AW_ERR_NOMEM (then *answer is NULL). */
aw_err platform_terminal_answer(const char *code, const char *message, char **answer);

/* Create or upgrade the table of reports (db_migrate component
 * "platform_terminal_reports"). */
aw_err platform_terminal_reports_migrate(db_connection *db);

/* Handle one POST: peer_certificate is the client certificate the TLS layer
 * verified (DER; empty: none). 403 when there is none, it names no EID
 * (subject serialNumber of 32 digits) or another EID than the report's;
 * 400 for a body platform_terminal_report_parse refuses; otherwise the
 * report is stored, a refusal raises its exception (policy NULL: defaults),
 * and 204. *answer: NULL for 204, else a malloc'd JSON {"code","message"}.
 * AW_OK whenever an answer is decided; database errors otherwise. */
aw_err platform_terminal_handle_report(db_connection *db, const platform_exception_policy *policy,
                                       aw_slice peer_certificate, const uint8_t *body,
                                       size_t len, int64_t now_ms, int *http_status,
                                       char **answer);

/* The endpoint on an HTTPS server whose client_ca_file is the device CA. */
typedef struct platform_terminal_endpoint {
    db_connection *db;                     /* used on the server's loop thread */
    const platform_exception_policy *policy; /* NULL: defaults */
} platform_terminal_endpoint;

/* Route POST PLATFORM_TERMINAL_REPORT_PATH to the endpoint (kept by the
 * caller while the server lives). Errors of http_server_route. */
aw_err platform_terminal_register(http_server *server, platform_terminal_endpoint *endpoint);

#endif
