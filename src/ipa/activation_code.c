/* airwrite IPA: Activation Code parser, SGP.22 4.1 (see activation_code.h). */
#include "ipa/activation_code.h"

#include <string.h>

#define FIELDS_MAX 5

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* An FQDN (RFC 1035 2.3.1 labels): at least two labels, each 1..63 of
 * letters, digits and '-', not starting or ending with '-'. */
static bool fqdn_valid(const char *s, size_t len)
{
    size_t label = 0, labels = 0;
    if (len == 0 || len > IPA_SMDP_ADDRESS_MAX)
        return false;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-')
                return false;
            labels++;
            label = 0;
        } else if (is_alnum(s[i]) || s[i] == '-') {
            label++;
        } else {
            return false;
        }
    }
    return labels >= 2;
}

/* SGP.22 4.1.1: the Matching ID uses 0-9, A-Z and '-' only. */
static bool matching_id_valid(const char *s, size_t len)
{
    if (len > IPA_MATCHING_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!(is_digit(s[i]) || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-'))
            return false;
    return true;
}

/* Dotted decimal with two or more arcs, no empty arc. */
static bool oid_valid(const char *s, size_t len)
{
    size_t arcs = 0, digits = 0;
    if (len > IPA_SMDP_OID_MAX)
        return false;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '.') {
            if (digits == 0)
                return false;
            arcs++;
            digits = 0;
        } else if (is_digit(s[i])) {
            digits++;
        } else {
            return false;
        }
    }
    return arcs >= 2;
}

aw_err ipa_activation_code_parse(const char *text, size_t len, ipa_activation_code *out)
{
    const char *start[FIELDS_MAX];
    size_t length[FIELDS_MAX];
    size_t count = 0;
    aw_err err = AW_ERR_IPA_ACTIVATION_CODE_FORMAT;
    memset(out, 0, sizeof(*out));
    if (text == NULL || len == 0 || len > IPA_ACTIVATION_CODE_MAX)
        goto done;
    /* split on '$'; printable ASCII only (no control characters, no UTF-8:
     * every field's alphabet is ASCII) */
    start[0] = text;
    count = 1;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < 0x20 || text[i] > 0x7E)
            goto done;
        if (text[i] != '$')
            continue;
        if (count == FIELDS_MAX)
            goto done;
        length[count - 1] = (size_t)(text + i - start[count - 1]);
        start[count++] = text + i + 1;
    }
    length[count - 1] = (size_t)(text + len - start[count - 1]);
    if (count < 3 || length[0] != 1 || start[0][0] != '1')
        goto done;
    err = AW_ERR_IPA_ACTIVATION_CODE_ADDRESS;
    if (!fqdn_valid(start[1], length[1]))
        goto done;
    err = AW_ERR_IPA_ACTIVATION_CODE_MATCHING_ID;
    if (!matching_id_valid(start[2], length[2]))
        goto done;
    err = AW_ERR_IPA_ACTIVATION_CODE_OID;
    /* an empty OID is allowed only to reach the flag after it */
    if (count >= 4 && !(length[3] == 0 && count == 5) && !oid_valid(start[3], length[3]))
        goto done;
    err = AW_ERR_IPA_ACTIVATION_CODE_FLAG;
    if (count == 5 && !(length[4] == 1 && start[4][0] == '1'))
        goto done;
    memcpy(out->smdp_address, start[1], length[1]);
    memcpy(out->matching_id, start[2], length[2]);
    if (count >= 4)
        memcpy(out->smdp_oid, start[3], length[3]);
    out->confirmation_code_required = count == 5;
    err = AW_OK;
done:
    if (err != AW_OK)
        memset(out, 0, sizeof(*out));
    return err;
}
