/* airwrite-devsim: the EID list of a simulation (eids.csv, also the list an
 * order is submitted with): the header line "eid", then one EID a line,
 * each 32 digits with valid check digits (SGP.29 / ITU-T E.118, as
 * pki_eid_validate checks). Read from a directory the user names: bounded
 * (DEVSIM_MAX_DEVICES lines) and checked line by line (fuzz_devsim_eids). */
#include "airwrite_devsim_eids.h"

#include <stdlib.h>
#include <string.h>

aw_err devsim_parse_eids(const uint8_t *data, size_t len,
                         char (**eids)[AW_PKI_EID_DIGITS + 1], size_t *count)
{
    size_t lines = 1, pos = 0, n = 0; /* 1: a last line without its newline */
    *eids = NULL;
    *count = 0;
    if (data == NULL || len > DEVSIM_EIDS_MAX_BYTES)
        return AW_ERR_LIMIT;
    for (size_t i = 0; i < len; i++)
        lines += data[i] == '\n';
    if (len < 4 || memcmp(data, "eid\n", 4) != 0)
        return AW_ERR_ARGUMENT;
    if (lines - 1 > DEVSIM_MAX_DEVICES + 1)
        return AW_ERR_LIMIT;
    char(*list)[AW_PKI_EID_DIGITS + 1] = calloc(lines, sizeof(*list));
    if (list == NULL)
        return AW_ERR_NOMEM;
    aw_err err = AW_OK;
    for (pos = 4; pos < len; n++) {
        const uint8_t *end = memchr(data + pos, '\n', len - pos);
        size_t line = end != NULL ? (size_t)(end - (data + pos)) : len - pos;
        if (line != AW_PKI_EID_DIGITS || n >= DEVSIM_MAX_DEVICES) {
            err = line != AW_PKI_EID_DIGITS ? AW_ERR_ARGUMENT : AW_ERR_LIMIT;
            break;
        }
        memcpy(list[n], data + pos, AW_PKI_EID_DIGITS);
        list[n][AW_PKI_EID_DIGITS] = '\0';
        if (pki_eid_validate(list[n]) != AW_OK) {
            err = AW_ERR_ARGUMENT;
            break;
        }
        pos += line + 1;
    }
    if (err == AW_OK && n == 0)
        err = AW_ERR_NOT_FOUND;
    if (err != AW_OK) {
        free(list);
        return err;
    }
    *eids = list;
    *count = n;
    return AW_OK;
}
