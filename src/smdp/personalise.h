/* airwrite SM-DP+: personalisation of a profile package template for one
 * subscriber (SGP.22 2.5.2 Unprotected Profile Package; the fields are the
 * TCA SAIP ones, PE_Definitions 3.3.1: ProfileHeader iccid / PE-MF
 * EF.ICCID, PE-USIM EF.IMSI, PE-OPT-USIM EF.MSISDN, PE-AKAParameter).
 *
 * The template is parsed with saip_profile_parse, the subscriber's values
 * are written with the saip_set_* setters and every other byte is kept as
 * it is. All values are checked before the template is touched.
 */
#ifndef AIRWRITE_SMDP_PERSONALISE_H
#define AIRWRITE_SMDP_PERSONALISE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/saip.h"

/* One subscription. Strings are NUL-terminated digits. aka holds the Ki
 * and OPc: it stays the caller's, who erases it (saip_aka_cleanse). */
typedef struct smdp_subscriber {
    const char *iccid;   /* 19 or 20 digits, valid Luhn check digit (ITU-T E.118) */
    const char *imsi;    /* 6..15 digits */
    const char *msisdn;  /* optional ('+'? and up to 15 digits); NULL keeps the template's */
    saip_aka aka;        /* algorithm, options, Ki, OPc (saip_aka_check rules) */
} smdp_subscriber;

/* Check the subscriber's values without a template: AW_ERR_ARGUMENT for a
 * missing ICCID or IMSI, the saip_check_* codes (AW_ERR_SAIP_ICCID,
 * AW_ERR_SAIP_IMSI, AW_ERR_SAIP_MSISDN), AW_ERR_SMDP_ICCID_CHECK_DIGIT,
 * and saip_aka_check's (AW_ERR_SAIP_ALGORITHM, AW_ERR_SAIP_KEY_LENGTH). */
aw_err smdp_check_subscriber(const smdp_subscriber *subscriber);

/* Personalise the template package (bytes of an unprotected profile
 * package) for the subscriber. On success *out (free with der_bytes_free:
 * it holds the Ki/OPc) is the package with the ICCID, IMSI, Ki, OPc,
 * algorithm and, when given, MSISDN replaced. Errors: those of
 * smdp_check_subscriber, of saip_profile_parse for a bad template, and of
 * the setters when the template lacks a field (AW_ERR_SAIP_FIELD,
 * AW_ERR_NOT_FOUND: e.g. no EF.MSISDN while an MSISDN is given). */
aw_err smdp_personalise_profile(const uint8_t *template_package, size_t template_len,
                                const smdp_subscriber *subscriber,
                                uint8_t **out, size_t *out_len);

#endif
