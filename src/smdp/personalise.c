/* airwrite SM-DP+: personalisation of a profile package template
 * (SGP.22 2.5.2 UPP; TCA SAIP PE_Definitions 3.3.1 fields). */
#include "smdp/personalise.h"

#include "core/der.h"

aw_err smdp_check_subscriber(const smdp_subscriber *subscriber)
{
    if (subscriber == NULL || subscriber->iccid == NULL || subscriber->imsi == NULL)
        return AW_ERR_ARGUMENT;
    aw_err err = saip_check_iccid(subscriber->iccid);
    if (err != AW_OK)
        return err;
    /* ITU-T E.118 4.2: the last digit is the Luhn check digit. */
    if (!saip_iccid_luhn_ok(subscriber->iccid))
        return AW_ERR_SMDP_ICCID_CHECK_DIGIT;
    err = saip_check_imsi(subscriber->imsi);
    if (err == AW_OK && subscriber->msisdn != NULL)
        err = saip_check_msisdn(subscriber->msisdn);
    if (err == AW_OK)
        err = saip_aka_check(&subscriber->aka);
    return err;
}

aw_err smdp_personalise_profile(const uint8_t *template_package, size_t template_len,
                                const smdp_subscriber *subscriber,
                                uint8_t **out, size_t *out_len)
{
    saip_profile *profile = NULL;
    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (out == NULL || out_len == NULL || (template_package == NULL && template_len > 0))
        return AW_ERR_ARGUMENT;
    aw_err err = smdp_check_subscriber(subscriber);
    if (err != AW_OK)
        goto cleanup;
    err = saip_profile_parse(template_package, template_len, &profile);
    if (err != AW_OK)
        goto cleanup;
    err = saip_set_iccid(profile, subscriber->iccid);
    if (err == AW_OK)
        err = saip_set_imsi(profile, subscriber->imsi);
    if (err == AW_OK && subscriber->msisdn != NULL)
        err = saip_set_msisdn(profile, subscriber->msisdn);
    if (err == AW_OK)
        err = saip_set_aka(profile, &subscriber->aka);
    if (err == AW_OK)
        err = saip_profile_encode(profile, out, out_len);

cleanup:
    /* saip_profile_free erases the element buffers, Ki/OPc included. */
    saip_profile_free(profile);
    return err;
}
