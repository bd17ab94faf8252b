/* airwrite SM-DP+: inventory batch files, the profiles an operator (or the
 * SM-DP+ owner) hands over for the ES2+ order flow (SGP.22 3.1.1 profile
 * ordering, 5.3 ES2+): one record per profile with the values that
 * personalise a profile package of a given profile type (a SAIP template
 * stored by name, see inventory.h).
 *
 * Two formats, both parsed whole-batch-or-nothing:
 *   CSV (RFC 4180): a header line naming the columns iccid, imsi, ki, opc
 *     and optionally msisdn and algorithm (any order, each once), then one
 *     record per line; fields may be quoted ("..." with "" for a quote);
 *     CRLF or LF line ends; an optional UTF-8 byte order mark. The profile
 *     type is given by the caller.
 *   JSON: {"profileType": "...", "profiles": [{"iccid": "...", "imsi": "...",
 *     "ki": "...", "opc": "...", "msisdn": "...", "algorithm": "..."}]}
 *     (msisdn and algorithm optional; no other members).
 *
 * Checks per record: ICCID 19 or 20 digits whose last digit is the Luhn
 * check digit over the others (ITU-T E.118), IMSI 6..15 digits (3GPP TS
 * 23.003 2.2), Ki and OPc hex of the algorithm's lengths (milenage and test
 * 16 bytes each, 3GPP TS 35.206 / TS 34.108 8.1.2; tuak Ki 16 or 32 bytes and
 * TOPc 32, 3GPP TS 35.231), MSISDN optional ('+'? 1..15 digits, E.164);
 * no ICCID or IMSI twice in a batch.
 *
 * Bounds: SMDP_IMPORT_MAX_SIZE bytes, SMDP_IMPORT_MAX_RECORDS records,
 * SMDP_IMPORT_MAX_LINE bytes per CSV record, SMDP_IMPORT_MAX_FIELDS
 * fields per CSV record (AW_ERR_LIMIT beyond).
 *
 * A parsed batch holds Ki/OPc in clear: smdp_import_batch_free erases it.
 */
#ifndef AIRWRITE_SMDP_IMPORT_H
#define AIRWRITE_SMDP_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/saip.h"

#define SMDP_IMPORT_MAX_SIZE (16u * 1024u * 1024u)
#define SMDP_IMPORT_MAX_RECORDS 100000u
#define SMDP_IMPORT_MAX_LINE 1024u
#define SMDP_IMPORT_MAX_FIELDS 6u
/* Profile type names: 1..64 printable ASCII characters (no controls). */
#define SMDP_PROFILE_TYPE_MAX 64u

typedef struct smdp_import_record {
    char iccid[SAIP_ICCID_TEXT];
    char imsi[SAIP_IMSI_TEXT];
    bool has_msisdn;
    char msisdn[SAIP_MSISDN_TEXT];
    /* algorithm, Ki (key) and OPc; secret */
    saip_aka aka;
} smdp_import_record;

typedef struct smdp_import_batch {
    char profile_type[SMDP_PROFILE_TYPE_MAX + 1];
    smdp_import_record *records;
    size_t count;
} smdp_import_batch;

/* Where a parse failed: line is the 1-based line of the input (CSV: the
 * line the failing record starts on; JSON: the line jansson reports for a
 * syntax error, else 0); record is the 1-based record number (CSV data
 * records after the header, JSON index in "profiles" plus 1), 0 when the
 * failure is not in one record (header, structure, size). */
typedef struct smdp_import_position {
    size_t line;
    size_t record;
} smdp_import_position;

/* Parse a CSV batch of the given profile type. *out is NULL on failure and
 * *position says where. Errors: AW_ERR_SMDP_IMPORT_* (see error.h),
 * AW_ERR_LIMIT, AW_ERR_NOMEM, AW_ERR_ARGUMENT. */
aw_err smdp_import_parse_csv(const uint8_t *data, size_t len, const char *profile_type,
                             smdp_import_batch **out, smdp_import_position *position);

/* Parse a JSON batch (the profile type comes from "profileType"). */
aw_err smdp_import_parse_json(const uint8_t *data, size_t len, smdp_import_batch **out,
                              smdp_import_position *position);

/* Serialise a batch (validated by a parser) back to CSV (header with every
 * column, lower-case hex, algorithm by name) or JSON, as a NUL-terminated
 * malloc'd text; it holds the secrets in clear: erase with
 * smdp_import_text_free. */
aw_err smdp_import_write_csv(const smdp_import_batch *batch, char **text, size_t *len);
aw_err smdp_import_write_json(const smdp_import_batch *batch, char **text, size_t *len);
void smdp_import_text_free(char *text, size_t len);

/* Algorithm names used in both formats: "milenage", "tuak", "test". NULL
 * for another value. */
const char *smdp_import_algorithm_name(saip_algorithm algorithm);

/* Erase the secrets and free. NULL-safe. */
void smdp_import_batch_free(smdp_import_batch *batch);

/* Profile type name rule above: AW_OK or AW_ERR_SMDP_IMPORT_PROFILE_TYPE. */
aw_err smdp_import_check_profile_type(const char *name);

#endif
