/* airwrite IPA: the Activation Code of SGP.22 4.1 (the text an end user,
 * an operator or an eIM trigger gives to start a Profile download):
 *
 *   "1" "$" SM-DP+ address "$" AC_Token (the Matching ID)
 *       [ "$" SM-DP+ OID [ "$" Confirmation Code Required Flag ] ]
 *
 * parsed strictly (SGP.22 4.1.1): format "1" only, an FQDN as the address,
 * a Matching ID of 0-9, A-Z and '-' (empty allowed: the SM-DP+ then
 * identifies the order by EID), the OID in dotted decimal (empty allowed
 * when only the flag follows), the flag "1" when present, nothing else.
 * Part of the IPA's public interface (included by ipa/download.h). */
#ifndef AIRWRITE_IPA_ACTIVATION_CODE_H
#define AIRWRITE_IPA_ACTIVATION_CODE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

#define IPA_ACTIVATION_CODE_MAX 255u /* SGP.32 activationCode UTF8String (SIZE(0..255)) */
#define IPA_SMDP_ADDRESS_MAX 255u    /* an FQDN, RFC 1035 */
#define IPA_MATCHING_ID_MAX 255u
#define IPA_SMDP_OID_MAX 127u

typedef struct ipa_activation_code {
    char smdp_address[IPA_SMDP_ADDRESS_MAX + 1];
    char matching_id[IPA_MATCHING_ID_MAX + 1]; /* "" when the AC_Token is empty */
    char smdp_oid[IPA_SMDP_OID_MAX + 1];       /* "" when absent */
    bool confirmation_code_required;
} ipa_activation_code;

/* Parse len bytes of text (no NUL needed) into *out (zeroed first, and on
 * error). Errors, one per faulty part:
 *   AW_ERR_IPA_ACTIVATION_CODE_FORMAT   empty, over IPA_ACTIVATION_CODE_MAX,
 *       a byte outside printable ASCII, format other than "1", fewer than
 *       three or more than five '$'-separated fields
 *   AW_ERR_IPA_ACTIVATION_CODE_ADDRESS  the SM-DP+ address is not an FQDN
 *       (labels of [A-Za-z0-9-], 1..63 characters, no leading or trailing
 *       '-', at least two labels)
 *   AW_ERR_IPA_ACTIVATION_CODE_MATCHING_ID  a character outside 0-9 A-Z '-'
 *   AW_ERR_IPA_ACTIVATION_CODE_OID      not dotted decimal (two or more arcs)
 *   AW_ERR_IPA_ACTIVATION_CODE_FLAG     a fifth field other than "1" */
aw_err ipa_activation_code_parse(const char *text, size_t len, ipa_activation_code *out);

#endif
