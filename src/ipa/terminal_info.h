/* airwrite IPA: encrypted terminal information reporting (issue 8,
 * 终端信息加密上报 of 《物联网 eSIM 空中写卡技术应用服务规范》): the IPA
 * collects its device's IMEI, module firmware revision, signal and location
 * (GNSS fix or serving cell) from the cellular module's AT commands (3GPP
 * TS 27.007) or from configuration, encodes the terminal information record
 * (core/terminal_info.h), seals it to the platform's public key in a signed
 * envelope (core/crypto_envelope.h: SM2 per GB/T 32918.4 or ECIES on
 * P-256) and POSTs it to the platform over mutual TLS, before each ESipa
 * exchange when configured to. docs/terminal-info.md. */
#ifndef AIRWRITE_IPA_TERMINAL_INFO_H
#define AIRWRITE_IPA_TERMINAL_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/crypto_envelope.h"
#include "core/terminal_info.h"

#define IPA_TERMINAL_INFO_PATH "/terminal/v1/info"
/* the AT commands asked, in order (TS 27.007 5.4, 5.3, 8.5, 8.69, 10.1.22,
 * 7.3; Quectel GNSS AT manual +QGPSLOC) */
#define IPA_TERMINAL_INFO_LINE_MAX 600u

/* ---- The module's answers (terminal_info_at.c): pure parsers ----------- */

/* One information line of each command (final result codes are the
 * runner's business). Each accepts the line with or without its "+XXX: "
 * prefix where modules differ, and refuses anything else with
 * AW_ERR_IPA_PROTOCOL (out untouched). */
/* AT+CGSN (TS 27.007 5.4): 14-16 digits, optionally quoted. */
aw_err ipa_terminal_info_parse_cgsn(const char *line, char imei[TERMINAL_INFO_IMEI_MAX + 1]);
/* AT+CGMR (TS 27.007 5.3): 1-64 printable characters, optionally quoted. */
aw_err ipa_terminal_info_parse_cgmr(const char *line,
                                    char firmware[TERMINAL_INFO_FIRMWARE_MAX + 1]);
/* +CSQ: <rssi>,<ber> (TS 27.007 8.5): rssi 0-31|99, ber 0-7|99. */
aw_err ipa_terminal_info_parse_csq(const char *line, int *rssi, int *ber);
/* +CESQ: <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp> (TS 27.007 8.69):
 * rsrq 0-34|255, rsrp 0-97|255. */
aw_err ipa_terminal_info_parse_cesq(const char *line, int *rsrq, int *rsrp);
/* +QGPSLOC: <UTC hhmmss.sss>,<lat>,<lon>,<hdop>,<alt>,<fix>,<cog>,<spkm>,
 * <spkn>,<date ddmmyy>,<nsat> (AT+QGPSLOC=2: degrees with sign). The fix
 * time from UTC and date; accuracy estimated as hdop x 5 m (a user
 * equivalent range error of 5 m, a common receiver figure). */
aw_err ipa_terminal_info_parse_qgpsloc(const char *line, terminal_info_location *out);
/* +CEREG: <n>,<stat>[,"<tac>","<ci>"[,<AcT>]] after AT+CEREG=2 (TS 27.007
 * 10.1.22): tac (4 hex digits, or 6 for 5GS) and ci (up to 9 hex digits)
 * of a registered cell (stat 1 home or 5 roaming). Fills tac and cell_id. */
aw_err ipa_terminal_info_parse_cereg(const char *line, terminal_info_location *out);
/* +COPS: <mode>,2,"<MCCMNC>"[,<AcT>] (TS 27.007 7.3, numeric format):
 * fills mcc and mnc. */
aw_err ipa_terminal_info_parse_cops(const char *line, terminal_info_location *out);

/* ---- Collecting ------------------------------------------------------ */

/* Runs one AT command (without "AT" and CR, e.g. "+CGSN") on the module
 * and gives its information line (the first non-empty line before OK).
 * AW_OK with line; the module's ERROR or no line as an error. */
typedef aw_err (*ipa_terminal_info_at_command)(void *userdata, const char *command,
                                               char line[IPA_TERMINAL_INFO_LINE_MAX + 1]);

/* A runner over a module's AT port (terminal_info_serial.c): a second
 * port of the module (they offer several) or the same one while no APDU
 * transport uses it. Raw 8N1 (POSIX termios) at baud (0: 115200), each
 * reply read up to OK / ERROR / +CME ERROR (V.250 5.7, TS 27.007 9.2) with
 * a deadline of timeout_ms (0: 5000); echoed command lines and other
 * "+XXX:" lines than the command's are skipped. */
typedef struct ipa_terminal_info_serial ipa_terminal_info_serial;

/* AW_ERR_IPA_CONNECT when the device cannot be opened or configured,
 * AW_ERR_ARGUMENT for an unknown baud rate. */
aw_err ipa_terminal_info_serial_open(const char *device, unsigned baud, int timeout_ms,
                                     ipa_terminal_info_serial **out);
/* On a descriptor the caller opened (taken; the line left as it is). */
aw_err ipa_terminal_info_serial_open_fd(int fd, int timeout_ms, ipa_terminal_info_serial **out);
void ipa_terminal_info_serial_close(ipa_terminal_info_serial *serial);

/* The ipa_terminal_info_at_command of a serial runner (userdata: it).
 * AW_ERR_IPA_MODEM_ERROR for ERROR / +CME ERROR, AW_ERR_IPA_TIMEOUT,
 * AW_ERR_IPA_RESPONSE_TOO_LONG, AW_ERR_IPA_PROTOCOL (control bytes, more
 * than IPA_AT_REPLY_LINES_MAX lines), AW_ERR_IO. */
aw_err ipa_terminal_info_serial_command(void *userdata, const char *command,
                                        char line[IPA_TERMINAL_INFO_LINE_MAX + 1]);

typedef struct ipa_terminal_info_source {
    ipa_terminal_info_at_command at_command; /* NULL: no module, configuration only */
    void *userdata;
    /* what configuration says (flags of airwrite-ipa / devsim): imei,
     * firmware, signal, location; used where the module gives nothing */
    const terminal_info_record *configured;
} ipa_terminal_info_source;

/* The record of eid at now: the configured values (a configured location
 * of time 0 taken as of now), each replaced by the module's answer where it has one (a command the module refuses or answers
 * malformed leaves the configured value). GNSS first; the serving cell when
 * there is no GNSS fix. AW_ERR_TERMINAL_INFO when the result is not a valid
 * record (e.g. a malformed EID). */
aw_err ipa_terminal_info_collect(const ipa_terminal_info_source *source, const char *eid,
                                 int64_t now, terminal_info_record *out);

/* ---- Sealing and sending (terminal_info.c) ---------------------------- */

/* The envelope of record: its JSON sealed to platform_key under key_id and
 * signed with device_key (the key of the device's TLS client certificate).
 * *envelope malloc'd (free). AW_ERR_TERMINAL_INFO for an invalid record;
 * errors of terminal_info_encode and crypto_envelope_seal. */
aw_err ipa_terminal_info_seal(const terminal_info_record *record,
                              const crypto_envelope_key *platform_key, uint32_t key_id,
                              const crypto_suite_key *device_key, uint8_t **envelope,
                              size_t *len);

typedef struct ipa_terminal_info_target {
    const char *url;              /* https://host:port/terminal/v1/info */
    const char *ca_file;          /* CA of the platform's TLS certificate */
    const char *certificate_file; /* the device's client certificate (subject serialNumber EID) */
    const char *key_file;
    unsigned timeout_ms;          /* 0: the HTTP client's default */
} ipa_terminal_info_target;

/* POST the envelope (application/octet-stream; BLOCKING). *http_status:
 * 204 taken, 4xx refused with *answer_code the T32xx code of the answer
 * (a copy, "" when none). Errors of http_client. */
aw_err ipa_terminal_info_send(const ipa_terminal_info_target *target, const uint8_t *envelope,
                              size_t len, int *http_status, char answer_code[16]);

/* ---- Reporting before each poll cycle (terminal_info_report.c) -------- */

typedef struct ipa_terminal_info_reporter {
    ipa_terminal_info_source source;
    const crypto_envelope_key *platform_key; /* the platform's public key */
    uint32_t key_id;                         /* its id, as the platform configured it */
    const crypto_suite_key *device_key;      /* the device certificate's private key */
    ipa_terminal_info_target target;
    int64_t (*clock)(void *userdata);        /* Unix seconds; NULL: time() */
    void *clock_userdata;
    /* the last report's answer */
    int last_status;
    char last_code[16];
} ipa_terminal_info_reporter;

/* Collect, seal and send once for the device holding eid (32 digits).
 * AW_OK when the platform took it (204); AW_ERR_TERMINAL_INFO_REFUSED for
 * another answer (last_status, last_code); errors of collect, seal and
 * send. */
aw_err ipa_terminal_info_report(ipa_terminal_info_reporter *reporter, const char *eid);

/* The poll loop's hook (ipa_terminal_info_hook of esipa.h): userdata is an
 * ipa_terminal_info_reporter, eid the eUICC's 16 bytes. */
aw_err ipa_terminal_info_poll_hook(void *userdata, const uint8_t eid[CRYPTO_ENVELOPE_EID_SIZE]);

/* The device's signing key from the private key PEM of its TLS client key
 * (P-256: international; SM2: domestic). AW_ERR_SUITE_KEY otherwise. */
aw_err ipa_terminal_info_load_device_key(const char *pem, size_t len, crypto_suite_key **out);

#endif
