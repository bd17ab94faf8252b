/* airwrite platform: the item code of an installation the eUICC refused for want of room
 * (issue 8 "Profile count limit", platform_profile_limit.h). The SM-DP+ forwards the eUICC's
 * ProfileInstallationResultData as resultData of HandleDownloadProgressInfo point 4 (SGP.22
 * 5.3.5, base64 in the JSON binding 6.5.2.5); the eIM records the errorReason of the PIR it
 * verified. errorReason installFailedDueToInsufficientMemoryForProfile (10, SGP.22 5.7.6
 * ErrorResult) is what a full eUICC answers at StoreMetadata, whether its memory or its
 * configured profile limit is the bound. */
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/sgp22_bpp.h"
#include "platform/platform_internal.h"

/* Bound of the resultData text read: a ProfileInstallationResultData is a few hundred
 * bytes (transactionId, notification metadata, OID, the result). */
#define RESULT_DATA_TEXT_MAX 4096u

static int64_t reason_of(const char *result_data)
{
    size_t text_len = strnlen(result_data, RESULT_DATA_TEXT_MAX + 1);
    if (text_len == 0 || text_len > RESULT_DATA_TEXT_MAX)
        return 0;
    uint8_t buf[RESULT_DATA_TEXT_MAX / 4 * 3];
    size_t len = 0;
    sgp22_profile_installation_result_data data;
    if (aw_base64_decode(result_data, text_len, buf, sizeof(buf), &len) != AW_OK ||
        sgp22_decode_profile_installation_result_data(buf, len, &data) != AW_OK ||
        data.final_result != SGP22_FINAL_RESULT_ERROR)
        return 0;
    return data.error.error_reason;
}

const char *platform_profile_limit_failure_code(const char *result_data, int64_t error_reason)
{
    if (result_data != NULL)
        error_reason = reason_of(result_data);
    return error_reason == SGP22_ERROR_REASON_INSUFFICIENT_MEMORY_FOR_PROFILE
               ? PLATFORM_PROFILE_LIMIT_EUICC_CODE
               : NULL;
}
