/* airwrite-devsim: the EID list file (eids.csv), split from the tool so its
 * fuzz target (fuzz/fuzz_devsim_eids.c) links it alone. */
#ifndef AIRWRITE_CLI_DEVSIM_EIDS_H
#define AIRWRITE_CLI_DEVSIM_EIDS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/pki.h"

#define DEVSIM_MAX_DEVICES 1000000u
#define DEVSIM_EIDS_MAX_BYTES ((size_t)DEVSIM_MAX_DEVICES * (AW_PKI_EID_DIGITS + 1) + 4)

/* Parse an EID list: "eid\n", then lines of exactly one valid EID (the last
 * newline optional). *eids gets *count EIDs (malloc'd, free()). Errors:
 * AW_ERR_ARGUMENT (no header, a line not 32 digits, check digits wrong),
 * AW_ERR_NOT_FOUND (no EID), AW_ERR_LIMIT (over DEVSIM_MAX_DEVICES or
 * DEVSIM_EIDS_MAX_BYTES), AW_ERR_NOMEM. */
aw_err devsim_parse_eids(const uint8_t *data, size_t len,
                         char (**eids)[AW_PKI_EID_DIGITS + 1], size_t *count);

#endif
