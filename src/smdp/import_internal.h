/* airwrite SM-DP+: shared parts of the CSV and JSON batch parsers
 * (import.c): record validation and the growing batch. Internal. */
#ifndef AIRWRITE_SMDP_IMPORT_INTERNAL_H
#define AIRWRITE_SMDP_IMPORT_INTERNAL_H

#include "smdp/import.h"

/* Validate the text values of one record into *record (cleared first).
 * msisdn and algorithm may be NULL or "" (absent; algorithm defaults to
 * milenage). Errors: AW_ERR_SMDP_IMPORT_ICCID, _LUHN, _IMSI, _KI, _OPC,
 * _MSISDN, _ALGORITHM. */
aw_err smdp_import_record_set(smdp_import_record *record, const char *iccid, const char *imsi,
                              const char *ki, const char *opc, const char *msisdn,
                              const char *algorithm);

/* A new empty batch of the given type (checked). */
aw_err smdp_import_batch_new(const char *profile_type, smdp_import_batch **out);

/* Append a copy of *record (AW_ERR_LIMIT past SMDP_IMPORT_MAX_RECORDS). */
aw_err smdp_import_batch_append(smdp_import_batch *batch, const smdp_import_record *record);

/* AW_ERR_SMDP_IMPORT_DUPLICATE if an ICCID or IMSI occurs twice; *record
 * receives the 1-based number of the later record. */
aw_err smdp_import_batch_check_unique(const smdp_import_batch *batch, size_t *record);

#endif
