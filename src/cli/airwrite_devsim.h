/* airwrite-devsim: many simulated IoT devices in one process (SGP.32 2.2:
 * each device an IPA with its eUICC), shared between the tool's files:
 * the directory layout, one device's visit (airwrite_devsim_device.c), the
 * provisioning (airwrite_devsim_provision.c) and the run with its scheduler
 * (airwrite_devsim_run.c).
 *
 * Directory of a simulation (provision --out DIR):
 *   DIR/ci.pem, DIR/eum.pem    the CI the eUICCs trust and their EUM
 *   DIR/eids.csv               "eid" header, one EID a line (an order's list)
 *   DIR/eim-register*.csv      the eIM's registration batches (airwrite-eim
 *                              register), at most DEVSIM_REGISTER_RECORDS each
 *   DIR/devices/EID/           one device: euicc.pem and euicc.key.pem (its
 *                              identity), state/ (the eUICC's state, state.h
 *                              of src/euicc), journal (the IPA's poll
 *                              journal), download.der (its last Profile
 *                              Download Trigger result), download-trigger.der
 *                              (the trigger whose download last began);
 *                              for `run --info-url` (issue 8, docs/terminal-
 *                              info.md) device-EID.pem and device-EID.key.pem
 *                              (its TLS client certificate, airwrite-pki device
 *                              --eid EID --out DIR/devices/EID) and optionally
 *                              location (airwrite_devsim_location.h), read at
 *                              each visit */
#ifndef AIRWRITE_CLI_DEVSIM_H
#define AIRWRITE_CLI_DEVSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/crypto_envelope.h"
#include "core/pki.h"
#include "core/terminal_info.h"
#include "euicc/euicc.h"
#include "ipa/download.h"
#include "ipa/ipa.h"
#include "ipa/terminal_info.h"

#include "airwrite_devsim_eids.h"

#define DEVSIM_PATH_MAX 4096
#define DEVSIM_EIDS_FILE "eids.csv"
#define DEVSIM_DEVICES_DIR "devices"
/* an eIM registration batch stays far below EIM_BATCH_MAX_BYTES (8 MiB)
 * with two base64 certificates (about 1.6 KB) a record */
#define DEVSIM_REGISTER_RECORDS 4000u

#define DEVSIM_EXIT_FAILED 1
#define DEVSIM_EXIT_USAGE 2

/* "DIR/devices/EID/NAME" (name NULL: the device directory). false when it
 * does not fit. */
bool devsim_device_path(char *out, size_t cap, const char *dir, const char *eid,
                        const char *name);

/* The EIDs of DIR/eids.csv (devsim_parse_eids); AW_ERR_NOT_FOUND /
 * AW_ERR_IO when it cannot be read. */
aw_err devsim_read_eids(const char *dir, char (**eids)[AW_PKI_EID_DIGITS + 1], size_t *count);

/* Where a test has the process kill itself (SIGKILL) on the first device
 * that reaches it (environment AIRWRITE_DEVSIM_KILL_AT), to prove a restart
 * repeats nothing: "installed" (the eUICC answered LoadBoundProfilePackage
 * with its PIR, which only the eUICC holds), "result-saved" (a trigger's
 * result in download.der, not
 * yet in the poll journal), "delivering" (the result in the journal, not
 * yet at the eIM: IPA_POLL_CHECKPOINT_RESULT_SAVED). */
typedef enum devsim_kill_point {
    DEVSIM_KILL_NONE = 0,
    DEVSIM_KILL_INSTALLED,
    DEVSIM_KILL_RESULT_SAVED,
    DEVSIM_KILL_DELIVERING,
} devsim_kill_point;

/* One device opened: its eUICC (state on disk) behind the in-process
 * transport and an ES10 session on it. */
typedef struct devsim_device {
    euicc *card;
    ipa_transport *transport;
    ipa *session;
    devsim_kill_point kill_at; /* DEVSIM_KILL_INSTALLED is seen in the transport */
} devsim_device;

/* Open device eid of dir at now into *out, which must stay in place until
 * devsim_device_close (the transport points to it). Errors of euicc_open
 * and ipa_open. */
aw_err devsim_device_open(const char *dir, const char *eid, time_t now, devsim_device *out);
void devsim_device_close(devsim_device *device);

/* What one visit did (added to, never cleared by the visit). */
typedef struct devsim_visit_counts {
    unsigned packages;          /* eIM Packages run (any kind) */
    unsigned installed;         /* download triggers whose PIR says success */
    unsigned download_failed;   /* download triggers with any other result */
    unsigned recovered;         /* results delivered from a journal or the eUICC */
    unsigned replayed;          /* trigger results taken from download.der (a restart) */
    unsigned info_taken;        /* terminal information reports the platform took (204) */
    unsigned info_failed;       /* reports refused or not sent; the last one's cause: */
    aw_err info_error;          /* AW_ERR_TERMINAL_INFO_REFUSED: info_status, info_code */
    int info_status;
    char info_code[16];
} devsim_visit_counts;

/* Encrypted terminal information (issue 8, docs/terminal-info.md): what
 * every device reports before each poll cycle through ipa/terminal_info.h,
 * signed with its own device certificate's key (DIR/devices/EID/device-EID
 * .key.pem) and sent over mutual TLS with that certificate. */
typedef struct devsim_info_config {
    const char *url;                         /* https://PLATFORM:PORT/terminal/v1/info */
    const char *ca_file;                     /* CA of the platform's TLS certificate */
    const crypto_envelope_key *platform_key; /* the platform's public key, its suite */
    uint32_t key_id;                         /* its id, as [terminal] info_key names it */
    terminal_info_record configured;         /* --imei, --location: every device's values */
} devsim_info_config;

/* One device's reporter for one visit: its key loaded, its location file
 * (when there is one) in place of the configured location. */
typedef struct devsim_info_device {
    ipa_terminal_info_reporter reporter;
    terminal_info_record configured;
    crypto_suite_key *device_key;
    char certificate[DEVSIM_PATH_MAX], key[DEVSIM_PATH_MAX];
} devsim_info_device;

/* Open device eid's reporter (airwrite_devsim_info.c). AW_ERR_NOT_FOUND
 * without its certificate or key, AW_ERR_ARGUMENT / AW_ERR_LIMIT for a
 * malformed location file (devsim_parse_location), errors of
 * ipa_terminal_info_load_device_key. */
aw_err devsim_info_open(const devsim_info_config *config, const char *dir, const char *eid,
                        devsim_info_device *out);
void devsim_info_close(devsim_info_device *device);

/* run's options of the terminal information: --info-url, --info-ca,
 * --info-platform-key, --info-suite, --info-key-id, --location (and the
 * --imei of DeviceInfo, copied by run). */
typedef struct devsim_info_options {
    const char *url, *ca_file, *platform_key_file, *suite, *imei;
    unsigned long key_id;            /* 0: 1 */
    terminal_info_location location; /* kind NONE: not given */
    bool given;
} devsim_info_options;

/* 1: name was one of them and value is well-formed (taken); 0: not one of
 * them; -1: value malformed or missing. */
int devsim_info_parse_option(devsim_info_options *o, const char *name, const char *value);
/* The configuration of a run from the options (default_ca: run's --ca when
 * --info-ca is absent), the platform key loaded into *platform_key (free
 * with crypto_envelope_key_free). 0, or DEVSIM_EXIT_USAGE / FAILED after a
 * message on stderr. */
int devsim_info_load(const devsim_info_options *o, const char *default_ca,
                     devsim_info_config *config, crypto_envelope_key **platform_key);

typedef struct devsim_visit_config {
    const char *dir;
    ipa_download_config download; /* trigger_mode, eim_url, eim_ca_file, DeviceInfo, ... */
    unsigned max_cycles;          /* poll cycles in one visit before yielding */
    const devsim_info_config *info; /* NULL: no terminal information (issue 8) */
    devsim_kill_point kill_at;    /* tests: the process kills itself there */
} devsim_visit_config;

/* One visit of device eid (SGP.32 3.4-3.6 on the IPA's side): the device
 * opened from disk, ipa_poll_once repeated through esipa until the eIM has
 * no package (*idle true) or max_cycles ran, Profile Download Triggers run
 * by the download hook (its result kept in download.der first, so a
 * restart repeats no download), the device closed. Errors of
 * devsim_device_open, ipa_poller_new and ipa_poll_once. */
aw_err devsim_visit(const devsim_visit_config *config, ipa_esipa *esipa, const char *eid,
                    bool *idle, devsim_visit_counts *counts);

/* The commands (argv[0] is the command's name). */
int devsim_provision(int argc, char **argv);
int devsim_run(int argc, char **argv);
/* airwrite_devsim_profile_limit.c: "profile-limit" (issue 8) */
int devsim_profile_limit(int argc, char **argv);

/* Parse a decimal in 1..max (or 0..max when zero_ok). */
bool devsim_parse_unsigned(const char *text, unsigned long max, bool zero_ok,
                           unsigned long *out);

/* Memory in use by the process (VmRSS, VmHWM of /proc/self/status), KiB;
 * 0 when unknown. */
void devsim_read_memory(unsigned long *rss, unsigned long *peak);

#endif
